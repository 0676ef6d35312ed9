"""Checking the ``video=`` argument of ``python -m rlkit.play``; the writer itself lives in
``rlkit/envkit/video.py`` (training runs write videos too) and is re-exported here."""

from __future__ import annotations

from pathlib import Path

from rlkit.envkit.video import (
    GIF_MAX_FPS,
    GIF_MAX_SIDE,
    MAX_VIDEO_FRAMES,
    VIDEO_FORMATS,
    VideoWriter,
    frames_per_second,
)
from rlkit.errors import ConfigError
from rlkit.storage.paths import check_writable

__all__ = [
    "GIF_MAX_FPS",
    "GIF_MAX_SIDE",
    "MAX_VIDEO_FRAMES",
    "VIDEO_FORMATS",
    "VideoWriter",
    "check_video",
    "frames_per_second",
]


def check_video(video: str | Path | None, overwrite: bool = False) -> Path | None:
    """``video`` as a Path (``None`` stays ``None``); a ConfigError for a format not in
    VIDEO_FORMATS, or for a file that exists unless ``overwrite``."""
    if video is None:
        return None
    path = Path(video)
    if path.suffix.lower() not in VIDEO_FORMATS:
        raise ConfigError(
            f"video={video}: unsupported format; valid: {', '.join(s[1:] for s in VIDEO_FORMATS)}"
        )
    if path.exists() and not overwrite:
        raise ConfigError(
            f"video={video} exists; give another name, or overwrite=true to replace it"
        )
    check_writable(path, "video", directory=False)
    return path
