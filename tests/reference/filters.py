"""float64 references for the filters, one image and one channel at a time through scipy.ndimage.

scipy smooths along every axis it is given, so each image and channel goes in on its own, never the
whole batch. "valid" is computed with mode="constant" and cropped: the kept samples never see the
padding.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi


def per_image_channel(fn, x, spatial_dims):
    """Applies `fn(image_2d_or_3d) -> array` to every (sample, channel) of a channels_last array."""
    x = np.asarray(x, np.float64)
    lead = x.shape[: x.ndim - spatial_dims - 1]
    flat = x.reshape((-1,) + x.shape[-spatial_dims - 1 :])
    out = np.stack(
        [np.stack([fn(img[..., c]) for c in range(img.shape[-1])], axis=spatial_dims) for img in flat]
    )
    return out.reshape(lead + out.shape[1:])


def _crop_valid(y, spatial_dims):
    return y[(slice(1, -1),) * spatial_dims]


def _scipy(fn, mode, spatial_dims):
    if mode == "valid":
        return lambda img: _crop_valid(fn(img, "constant"), spatial_dims)
    return lambda img: fn(img, mode)


def reference_sobel(x, mode="reflect", spatial_dims=2):
    """(..., *spatial, C, spatial_dims) components in axis order."""
    parts = [
        per_image_channel(
            _scipy(lambda im, m, a=a: ndi.sobel(im, axis=a, mode=m), mode, spatial_dims), x, spatial_dims
        )
        for a in range(spatial_dims)
    ]
    return np.stack(parts, axis=-1)


def reference_gradient_magnitude(x, mode="reflect", spatial_dims=2, eps=1e-12):
    return np.sqrt(np.sum(reference_sobel(x, mode, spatial_dims) ** 2, axis=-1) + eps)


def reference_laplacian(x, mode="reflect", spatial_dims=2, diagonals=False):
    if diagonals:
        kernel = np.ones((3,) * spatial_dims)
        kernel[(1,) * spatial_dims] = 1.0 - 3.0**spatial_dims
        fn = lambda im, m: ndi.correlate(im, kernel, mode=m)  # noqa: E731
    else:
        fn = lambda im, m: ndi.laplace(im, mode=m)  # noqa: E731
    return per_image_channel(_scipy(fn, mode, spatial_dims), x, spatial_dims)
