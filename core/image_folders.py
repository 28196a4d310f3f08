"""Image folders as streamed datasets: `root/<class>/<image>`, or
`root/{train,validation,test}/<class>/<image>` when the folder gives its split.

Only the file names are read when the dataset is opened, plus each file's
first and last bytes: the first to check that it is an image (PNG, JPEG,
GIF or BMP by its signature, not only its suffix), the last to check that
it is whole. A file cut short (an interrupted copy or download, the usual
way an image is damaged) lacks its format's end marker (PNG's IEND chunk,
JPEG's EOI, GIF's trailer; a BMP is shorter than its header says), and is
refused or skipped then, not when its batch is decoded in the middle of an
epoch. Damage inside a whole file is found only by decoding it, which
`keraslab data convert` does for every image. The images themselves are
decoded and resized inside the `tf.data` pipeline, a batch at a time, so a folder far
larger than memory trains in constant memory. Hidden files and folders
(`.DS_Store`, `.git`) and files whose suffix is not an image's are skipped,
as Keras' folder reader skips them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, List, Optional, Tuple

import numpy as np

from keraslab.core.errors import KeraslabError
from keraslab.core.streams import PART_NAMES, ExampleFiles

IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def is_image_name(path: Path) -> bool:
    return not path.name.startswith(".") and path.suffix.lower() in IMAGE_SUFFIXES


# Bytes read from a file's end: some writers put padding or their own
# trailer after the end marker. A JPEG's entropy-coded data cannot hold the
# bytes FF D9 (an FF there is stuffed as FF 00), so only a real EOI matches.
TAIL = 4096


def image_problem(path: Path) -> Optional[str]:
    """Why `path` is not a whole image, from its first and last bytes, or None."""
    with open(path, "rb") as handle:
        head = handle.read(8)
        size = handle.seek(0, 2)
        handle.seek(max(0, size - TAIL))
        tail = handle.read()
    if not any(head.startswith(signature) for signature in SIGNATURES):
        return "is not a readable image (accepted: PNG, JPEG, GIF, BMP)"
    if head.startswith(b"\x89PNG"):
        whole = b"IEND" in tail
    elif head.startswith(b"\xff\xd8"):
        whole = b"\xff\xd9" in tail
    elif head.startswith(b"GIF"):
        whole = b"\x3b" in tail[-8:]
    else:  # BMP: bytes 2..5 hold the file's size (0 in some writers: not checked then)
        with open(path, "rb") as handle:
            handle.seek(2)
            declared = int.from_bytes(handle.read(4), "little")
        whole = declared == 0 or size >= declared
    return None if whole else "is cut short (its end marker is missing): an incomplete copy"


def image_folder(
    path: str,
    image_size: Optional[Tuple[int, int]] = None,
    unreadable: str = "refuse",
    skip_hint: str = "--set data.unreadable=skip",
) -> Any:
    """The images under `path` as `ExampleFiles` of float32 RGB in 0..255,
    or, for a folder of TFRecord shards written by `keraslab data convert`,
    as `ExampleRecords` of the same images.

    Args:
        path: the folder.
        image_size: (height, width) every image is resized to (bilinear);
            None: the size of the first image.
        unreadable: what to do with a file that has an image's suffix but
            not an image's signature, or is cut short: "refuse" (name it) or
            "skip" it (and say how many were skipped).
        skip_hint: how the user asks for "skip", for the refusal's message.

    Raises:
        KeraslabError: a missing folder, fewer than two classes, no images,
            an unreadable image under "refuse".
    """
    from keraslab.core.tfrecords import is_records_folder, tfrecord_records

    if is_records_folder(path):
        records = tfrecord_records(path, image_size)
        if len(records.input_shape) != 3:
            raise KeraslabError(f"'{path}' holds tables, not images; this dataset takes images.")
        return records
    root = Path(path)
    if not root.is_dir():
        raise KeraslabError(f"Image folder '{path}' does not exist; expected one sub-folder of images per class.")
    given = _subfolders(root)
    split_given = {"train", "test"} <= set(given) and set(given) <= set(PART_NAMES)
    part_roots = (
        [(k, root / name) for k, name in enumerate(PART_NAMES) if (root / name).is_dir()]
        if split_given
        else [(0, root)]
    )
    classes = sorted({c for _, part in part_roots for c in _subfolders(part)})
    if len(classes) < 2:
        where = " (under train/)" if split_given else ""
        raise KeraslabError(
            f"Image folder '{path}' has {len(classes)} class sub-folder(s){where}; at least 2 are needed."
        )
    paths: List[str] = []
    targets: List[int] = []
    parts: List[int] = []
    skipped: List[Path] = []
    for part, part_root in part_roots:
        for class_id, name in enumerate(classes):
            folder = part_root / name
            if not folder.is_dir():
                continue
            for file in sorted(f for f in folder.rglob("*") if f.is_file() and is_image_name(f)):
                problem = image_problem(file)
                if problem is not None:
                    if unreadable != "skip":
                        raise KeraslabError(f"'{file}' {problem}; remove it, or skip such files with {skip_hint}.")
                    skipped.append(file)
                    continue
                paths.append(file.relative_to(root).as_posix())
                targets.append(class_id)
                parts.append(part)
    if not paths:
        raise KeraslabError(f"Image folder '{path}' holds no image files (accepted: PNG, JPEG, GIF, BMP).")
    if skipped:
        print(
            f"Skipped {len(skipped)} unreadable or incomplete image file(s) of '{path}', the first '{skipped[0]}'.",
            file=sys.stderr,
        )
    if image_size is None:
        image_size = _size_of(root / paths[0])
    height, width = int(image_size[0]), int(image_size[1])
    return ExampleFiles(
        root=str(root),
        paths=tuple(paths),
        decode=image_decoder(height, width),
        input_shape=(height, width, 3),
        targets=np.array(targets, np.int64),
        num_classes=len(classes),
        class_names=tuple(classes),
        parts=np.array(parts, np.int64) if split_given else None,
    )


def _subfolders(folder: Path) -> List[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _size_of(file: Path) -> Tuple[int, int]:
    import tensorflow as tf

    try:
        shape = tf.io.decode_image(tf.io.read_file(str(file)), expand_animations=False).shape
    except tf.errors.InvalidArgumentError:
        raise KeraslabError(f"'{file}' is not a readable image (accepted: PNG, JPEG, GIF, BMP).") from None
    return int(shape[0]), int(shape[1])


def image_decoder(height: int, width: int):
    """File bytes → a (height, width, 3) float32 image in 0..255, as Keras'
    `image_dataset_from_directory` decodes and resizes (bilinear)."""
    import tensorflow as tf

    def decode(contents):
        image = tf.io.decode_image(contents, channels=3, expand_animations=False)
        image = tf.image.resize(image, (height, width), method="bilinear")
        image.set_shape((height, width, 3))
        return image

    return decode


def mapped_features(dataset, function, input_shape: Tuple[int, ...], input_dtype: str = "float32"):
    """`dataset` (streamed: `ExampleFiles` or `ExampleRecords`) with
    `function` applied to its features as they are decoded, so that a
    plugin can read a folder in the form its models take (grey 8×8 images
    in [0, 1], a row of 64 pixel values) without reading it into memory.

    Args:
        dataset: the streamed examples, e.g. from `image_folder`.
        function: TensorFlow ops from features to features that act on the
            trailing axes only, the same for one example (a file's decoded
            image) and a batch of them (a batch of parsed records).
        input_shape: the shape of one example's new features.
        input_dtype: their dtype.
    """
    import dataclasses

    from keraslab.core.records import ExampleRecords

    if isinstance(dataset, ExampleRecords):
        parse = dataset.parse
        return dataclasses.replace(
            dataset, parse=lambda raw: function(parse(raw)), input_shape=tuple(input_shape), input_dtype=input_dtype
        )
    if isinstance(dataset, ExampleFiles):
        decode = dataset.decode
        return dataclasses.replace(
            dataset,
            decode=lambda contents: function(decode(contents)),
            input_shape=tuple(input_shape),
            input_dtype=input_dtype,
        )
    raise KeraslabError(
        f"mapped_features takes streamed examples (ExampleFiles or ExampleRecords), not {type(dataset).__name__}."
    )
