"""Every row of the bad-input catalogue raises its error, and docs/bad_inputs.md quotes it."""

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import compiled, to_numpy
from tests.contract.cases import ALL_CASES
from tests.reliability.bad_inputs import ROWS, message

DOC = (Path(__file__).resolve().parents[2] / "docs" / "bad_inputs.md").read_text()


@pytest.mark.parametrize("row", ROWS, ids=[row.mistake for row in ROWS])
def test_bad_input_raises_the_catalogued_error(row):
    text = message(row)
    assert "Received" in text or "received" in text, text
    assert text.replace("|", "\\|") in DOC, f"docs/bad_inputs.md does not quote: {text}"


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_nan_in_one_sample_propagates_to_that_sample_only(case, rng):
    """The documented NaN policy: propagate, never raise (raising needs a host sync)."""
    if case.batch_coupled:
        pytest.skip("a batch-coupled statistic mixes samples by definition (Case.batch_coupled)")
    y_true, y_pred = case.data(rng, (3, case.size, case.size, case.channels))
    y_pred = y_pred.astype(np.float32)
    y_pred[1, 2, 3] = np.nan
    values = to_numpy(compiled(case.make().call)(y_true, y_pred))
    assert np.isnan(values[1])
    assert np.all(np.isfinite(values[[0, 2]]))
