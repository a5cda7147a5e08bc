"""Reading image files, and the bake-off datasets (built-in photographs, generated segmentation).

Built-in data ships inside installed packages, so nothing is downloaded: scikit-image's sample
photographs (`skimage.data`) for restoration, and images generated here for segmentation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from imagelosses.cli._common import CLIError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".npy")

# Photographs of skimage.data that ship inside the package (checked: no pooch download needed).
# The split is by photograph, so no held-out patch shares a scene with a training patch.
TRAIN_PHOTOS = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "moon",
    "brick",
    "gravel",
    "clock",
    "text",
    "immunohistochemistry",
    "grass",
    "page",
)
HELDOUT_PHOTOS = ("camera", "coins")

BLUR_SIGMA = 1.0  # Gaussian blur of the degraded input, in pixels
NOISE_SIGMA = 0.05  # additive Gaussian noise of the degraded input, on a [0, 1] intensity scale


# ---------------------------------------------------------------------------------------- files
def read_image(path: str) -> np.ndarray:
    """An image file as a numpy array, values as stored (uint8 stays uint8); CLIError if unreadable."""
    suffix = os.path.splitext(path)[1].lower()
    try:
        if suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        elif suffix in (".tif", ".tiff"):
            try:
                import tifffile
            except ImportError:
                tifffile = None
            if tifffile is not None:
                array = tifffile.imread(path)
            else:
                array = _read_pillow(path)
        else:
            array = _read_pillow(path)
    except CLIError:
        raise
    except Exception as error:  # pillow, numpy and tifffile raise many types for a bad file
        raise CLIError(f"cannot read {path}: {type(error).__name__}: {error}") from None
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise CLIError(
            f"cannot use {path}: expected a 2D image (H, W) or (H, W, 3|4); found shape {array.shape}"
        )
    if array.ndim == 3 and array.shape[-1] == 4:
        array = array[..., :3]  # alpha dropped
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise CLIError(f"cannot use {path}: dtype {array.dtype} is not numeric")
    return array


def _read_pillow(path: str) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        if image.mode in ("P", "CMYK", "YCbCr", "LAB", "HSV"):
            image = image.convert("RGB")
        elif image.mode == "LA":
            image = image.convert("L")
        return np.array(image)


def default_max_val(array: np.ndarray) -> float:
    """The intensity range implied by the dtype: 255 for uint8, 65535 for uint16, 1 for floats."""
    if array.dtype == bool:
        return 1.0
    if np.issubdtype(array.dtype, np.integer):
        return float(np.iinfo(array.dtype).max)
    return 1.0


def to_gray01(array: np.ndarray) -> np.ndarray:
    """float32 grayscale in [0, 1] (luma for colour; integer images divided by their dtype range)."""
    image = array.astype(np.float32) / np.float32(default_max_val(array))
    if image.ndim == 3:
        image = image @ np.array([0.2125, 0.7154, 0.0721], np.float32)
    return np.clip(image, 0.0, 1.0)


def list_images(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        raise CLIError(f"{folder} is not a folder")
    names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    return [os.path.join(folder, n) for n in names if os.path.isfile(os.path.join(folder, n))]


def pair_files(
    ref_dir: str, test_dir: str, what=("reference", "test"), *, skip_unpaired: bool = False, warn=None
) -> list[tuple[str, str]]:
    """Files of two folders paired by name without suffix.

    Unpaired files raise a CLIError listing each of them; with `skip_unpaired` they are passed to
    `warn(message)` (when given) and left out instead.
    """
    sides = []
    for folder in (ref_dir, test_dir):
        files, problems = {}, []
        for path in list_images(folder):
            name = os.path.basename(path)
            stem, suffix = os.path.splitext(name)
            if suffix.lower() not in IMAGE_SUFFIXES:
                problems.append(
                    f"{path} (suffix {suffix or 'none'!r}; expected one of {', '.join(IMAGE_SUFFIXES)})"
                )
            elif stem in files:
                problems.append(f"{path} (same name as {files[stem]})")
            else:
                files[stem] = path
        if problems:
            raise CLIError("cannot use these files:\n  " + "\n  ".join(problems))
        sides.append(files)
    left, right = sides
    unpaired = [f"{left[s]} (no {what[1]} file named {s}.*)" for s in sorted(set(left) - set(right))]
    unpaired += [f"{right[s]} (no {what[0]} file named {s}.*)" for s in sorted(set(right) - set(left))]
    if unpaired and not skip_unpaired:
        raise CLIError(
            f"{len(unpaired)} unpaired file(s) (--skip-unpaired leaves them out):\n  " + "\n  ".join(unpaired)
        )
    if unpaired and warn is not None:
        warn(f"skipping {len(unpaired)} unpaired file(s):\n  " + "\n  ".join(unpaired))
    common = sorted(set(left) & set(right))
    if not common:
        raise CLIError(f"no pair of image files in {ref_dir} and {test_dir}")
    return [(left[s], right[s]) for s in common]


# ------------------------------------------------------------------------------------ labels
# A label map with more distinct values than this is more likely a photograph than a mask.
MANY_LABELS = 64


def read_labels(path: str, array: np.ndarray | None = None) -> np.ndarray:
    """A label map file as int32 class indices: the one reader of `compare --masks` and the bake-off.

    The map must be 2D with non-negative integer values (bool, integer dtypes, or floats holding
    whole numbers). A binary mask stored as 0/255 (how most tools save a black-and-white PNG) reads
    as 0/1; every other map keeps its values as class indices. `array` is the file's content when
    it has been read already. Raises CLIError for anything that is not a label map.
    """
    mask = read_image(path) if array is None else array
    if mask.ndim != 2:
        raise CLIError(f"{path} has shape {mask.shape}; a label map must be 2D (H, W)")
    if mask.dtype == bool:
        return mask.astype(np.int32)
    if not np.all(np.isfinite(mask)) or not np.all(np.mod(mask, 1) == 0) or mask.min() < 0:
        raise CLIError(f"{path} holds values that are not non-negative integer labels")
    if mask.max() > np.iinfo(np.int32).max:
        raise CLIError(f"{path} holds labels up to {mask.max()}; expected class indices")
    if set(np.unique(mask).tolist()) <= {0, 255}:
        return (mask == 255).astype(np.int32)  # a 0/255 binary mask
    return mask.astype(np.int32)


def labels_warning(path: str, labels: np.ndarray) -> str | None:
    """A warning when a label map looks like a photograph (more than `MANY_LABELS` values)."""
    count = len(np.unique(labels))
    if count <= MANY_LABELS:
        return None
    return (
        f"{path} holds {count} distinct labels: is it a photograph rather than a label map? "
        f"Each value is counted as a class."
    )


# ------------------------------------------------------------------------------- degradations
def _gaussian_kernel(sigma: float) -> np.ndarray:
    radius = int(np.ceil(3 * sigma))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of `(N, H, W)` images, reflect borders (numpy, for data only)."""
    kernel = _gaussian_kernel(sigma)
    r = len(kernel) // 2
    out = images.astype(np.float64)
    for axis in (1, 2):
        pad = [(0, 0)] * out.ndim
        pad[axis] = (r, r)
        padded = np.pad(out, pad, mode="reflect")
        out = sum(
            k * np.take(padded, np.arange(i, i + out.shape[axis]), axis=axis) for i, k in enumerate(kernel)
        )
    return out.astype(np.float32)


def degrade(clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur (sigma `BLUR_SIGMA`) and add Gaussian noise (sigma `NOISE_SIGMA`), clipped to [0, 1]."""
    noisy = blur(clean, BLUR_SIGMA) + rng.normal(0.0, NOISE_SIGMA, clean.shape).astype(np.float32)
    return np.clip(noisy, 0.0, 1.0).astype(np.float32)


# -------------------------------------------------------------------------------- datasets
@dataclass
class Dataset:
    """Arrays with a trailing channel axis: x/y for training, x_test/y_test held out."""

    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    description: dict = field(default_factory=dict)


def _patches(image: np.ndarray, size: int, count: int, rng) -> np.ndarray:
    h, w = image.shape
    tops = rng.integers(0, h - size + 1, count)
    lefts = rng.integers(0, w - size + 1, count)
    return np.stack([image[t : t + size, l : l + size] for t, l in zip(tops, lefts)])


def _tiles(image: np.ndarray, size: int, limit: int) -> list[np.ndarray]:
    h, w = image.shape
    tiles = [
        image[t : t + size, l : l + size]
        for t in range(0, h - size + 1, size)
        for l in range(0, w - size + 1, size)
    ]
    return tiles[:limit]


def skimage_photo(name: str) -> np.ndarray:
    import skimage.data

    return to_gray01(np.asarray(getattr(skimage.data, name)()))


def restore_from_images(
    train: list[np.ndarray],
    heldout: list[np.ndarray],
    *,
    patch: int,
    patches: int,
    tile: int,
    tiles: int,
    seed: int,
    source: dict,
) -> Dataset:
    """Random training patches of the training images, non-overlapping held-out tiles, degraded."""
    rng = np.random.default_rng(seed)
    per_image = max(1, patches // len(train))
    y = np.concatenate([_patches(img, patch, per_image, rng) for img in train])
    y_test = np.stack([t for img in heldout for t in _tiles(img, tile, max(1, tiles // len(heldout)))])
    x, x_test = degrade(y, rng), degrade(y_test, rng)
    description = dict(
        source,
        patch=patch,
        train_patches=len(y),
        heldout_tiles=len(y_test),
        heldout_tile=tile,
        blur_sigma_px=BLUR_SIGMA,
        noise_sigma=NOISE_SIGMA,
        intensity_range=[0.0, 1.0],
    )
    return Dataset(x[..., None], y[..., None], x_test[..., None], y_test[..., None], description)


def builtin_restore(*, patch: int, patches: int, tile: int, tiles: int, seed: int) -> Dataset:
    train = [skimage_photo(n) for n in TRAIN_PHOTOS]
    heldout = [skimage_photo(n) for n in HELDOUT_PHOTOS]
    source = dict(
        source="skimage.data photographs (grayscale)",
        train_photos=list(TRAIN_PHOTOS),
        heldout_photos=list(HELDOUT_PHOTOS),
    )
    return restore_from_images(
        train, heldout, patch=patch, patches=patches, tile=tile, tiles=tiles, seed=seed, source=source
    )


SEG_CLASSES = ("background", "disc", "ring")


def _segmentation_image(size: int, objects: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Smooth shaded background with noise; small bright discs (class 1) and rings (class 2)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    gx, gy = rng.uniform(-0.3, 0.3, 2)
    image = 0.35 + gx * (xx / size - 0.5) + gy * (yy / size - 0.5)
    # distractors: faint large blobs that are background
    for _ in range(2):
        cy, cx = rng.uniform(0, size, 2)
        image += 0.12 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * (size / 8) ** 2))
    label = np.zeros((size, size), np.int32)
    for index in range(objects):
        cls = 1 + index % 2
        cy, cx = rng.uniform(4, size - 4, 2)
        r = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
        radius = rng.uniform(1.6, 2.6) if cls == 1 else rng.uniform(2.5, 3.2)
        shape = r <= radius if cls == 1 else (r <= radius) & (r >= radius - 1.2)
        label[shape] = cls
        image[shape] = rng.uniform(0.7, 0.9)
    image += rng.normal(0.0, 0.08, image.shape)
    return np.clip(image, 0.0, 1.0).astype(np.float32), label


def builtin_segment(*, size: int, count: int, test_count: int, seed: int) -> Dataset:
    """Generated images with rare small objects: about 1 foreground pixel per 100."""
    rng = np.random.default_rng(seed + 1000)
    objects = max(1, round(size * size / 900))  # ~1% of the pixels are foreground

    def make(n):
        pairs = [_segmentation_image(size, objects, rng) for _ in range(n)]
        return np.stack([p[0] for p in pairs])[..., None], np.stack([p[1] for p in pairs])[..., None]

    x, y = make(count)
    x_test, y_test = make(test_count)
    fractions = [float(np.mean(y == k)) for k in range(len(SEG_CLASSES))]
    description = dict(
        source="generated: shaded noisy background, small bright discs and rings",
        image_size=size,
        train_images=count,
        heldout_images=test_count,
        classes=list(SEG_CLASSES),
        class_pixel_fraction=fractions,
        noise_sigma=0.08,
    )
    return Dataset(x, y, x_test, y_test, description)


# ------------------------------------------------------------------------------ user data
def load_user_images(folder: str) -> tuple[list[str], list[np.ndarray]]:
    paths = list_images(folder)
    bad = [p for p in paths if os.path.splitext(p)[1].lower() not in IMAGE_SUFFIXES]
    if bad:
        raise CLIError(
            "unsupported file type (expected " + ", ".join(IMAGE_SUFFIXES) + "):\n  " + "\n  ".join(bad)
        )
    if not paths:
        raise CLIError(f"no image files in {folder}")
    images, errors = [], []
    for path in paths:
        try:
            images.append(read_image(path))
        except CLIError as error:
            errors.append(str(error))
    if errors:
        raise CLIError(f"{len(errors)} unreadable file(s):\n  " + "\n  ".join(errors))
    return paths, images


def split_user(items: list, heldout_fraction: float = 0.25) -> tuple[list, list]:
    """Split by file: the last quarter (at least one) is held out; needs two files or more."""
    if len(items) < 2:
        raise CLIError(
            "the bake-off on your own images needs at least 2 images (one to train on, one held out)"
        )
    n_test = max(1, round(len(items) * heldout_fraction))
    return items[:-n_test], items[-n_test:]


def user_restore(folder: str, *, patch: int, patches: int, seed: int) -> Dataset:
    paths, images = load_user_images(folder)
    gray = [to_gray01(img) for img in images]
    small = [f"{p} ({g.shape[0]}x{g.shape[1]})" for p, g in zip(paths, gray) if min(g.shape) < patch]
    if small:
        raise CLIError(f"images smaller than the {patch}x{patch} training patch:\n  " + "\n  ".join(small))
    train, heldout = split_user(list(zip(paths, gray)))
    tile = min(min(g.shape) for _, g in heldout)
    tile = min(tile, 256)
    source = dict(
        source=f"user images in {folder} (grayscale)",
        train_files=[p for p, _ in train],
        heldout_files=[p for p, _ in heldout],
    )
    return restore_from_images(
        [g for _, g in train],
        [g for _, g in heldout],
        patch=patch,
        patches=patches,
        tile=tile,
        tiles=4 * len(heldout),
        seed=seed,
        source=source,
    )


def user_segment(images_dir: str, masks_dir: str, *, size: int, seed: int) -> Dataset:
    pairs = pair_files(images_dir, masks_dir, what=("image", "mask"))
    images, labels, problems = [], [], []
    for image_path, mask_path in pairs:
        try:
            image, mask = read_image(image_path), read_labels(mask_path)
        except CLIError as error:
            problems.append(str(error))
            continue
        if image.shape[:2] != mask.shape:
            problems.append(
                f"{image_path} is {image.shape[0]}x{image.shape[1]} but {mask_path} is "
                f"{mask.shape[0]}x{mask.shape[1]}"
            )
            continue
        if min(mask.shape) < size:
            problems.append(
                f"{image_path} ({mask.shape[0]}x{mask.shape[1]}) is smaller than the {size}x{size} crop"
            )
            continue
        images.append(to_gray01(image))
        labels.append(mask)
    if problems:
        raise CLIError(f"{len(problems)} problem(s) with the images and masks:\n  " + "\n  ".join(problems))
    num_classes = int(max(m.max() for m in labels)) + 1
    if num_classes > 32:
        raise CLIError(f"the masks hold labels up to {num_classes - 1}; expected at most 31 classes")
    rng = np.random.default_rng(seed)

    def crops(items, per_image):
        xs, ys = [], []
        for image, mask in items:
            for _ in range(per_image):
                t = rng.integers(0, image.shape[0] - size + 1)
                l = rng.integers(0, image.shape[1] - size + 1)
                xs.append(image[t : t + size, l : l + size])
                ys.append(mask[t : t + size, l : l + size])
        return np.stack(xs)[..., None], np.stack(ys)[..., None].astype(np.int32)

    train, heldout = split_user(list(zip(images, labels)))
    x, y = crops(train, max(1, 256 // len(train)))
    x_test, y_test = crops(heldout, max(1, 32 // len(heldout)))
    classes = ["background"] + [f"class {k}" for k in range(1, num_classes)]
    description = dict(
        source=f"user images {images_dir} with masks {masks_dir}",
        image_size=size,
        train_images=len(x),
        heldout_images=len(x_test),
        classes=classes,
        class_pixel_fraction=[float(np.mean(y == k)) for k in range(num_classes)],
        train_files=[p for p, _ in pairs[: len(train)]],
        heldout_files=[p for p, _ in pairs[len(train) :]],
    )
    return Dataset(x, y, x_test, y_test, description)
