"""Videos of rendered episodes: ``.mp4`` (ffmpeg, streamed) or ``.gif`` (Pillow, shrunk and
thinned), written atomically.

It lives with the envs rather than in ``rlkit/tools`` because both ``python -m rlkit.play video=``
(tools) and the training run's ``video_interval`` (run) write videos, and ``run`` may not import
from the layer above it."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from rlkit.errors import ConfigError

VIDEO_FORMATS = (".mp4", ".gif")
MAX_VIDEO_FRAMES = {".mp4": 7200, ".gif": 600}
"""Where a video is cut: 2 minutes of pong at 60 fps, a whole CartPole or Pendulum episode; GIFs
hold every frame in memory until they are written, and 600 small frames are already megabytes."""
GIF_MAX_FPS = 30.0
"""GIF delays are in hundredths of a second and browsers slow down anything under 2: frames are
dropped down to this rate."""
GIF_MAX_SIDE = 400
"""GIF frames are shrunk by a whole factor until their longest side is at most this."""


class VideoWriter:
    """RGB frames to an ``.mp4`` (ffmpeg, streamed) or a ``.gif`` (Pillow, shrunk and thinned).

    Frames go to a temporary file beside ``path`` that replaces it on ``close``, so an
    interrupted recording never leaves a broken video under the name asked for.
    """

    def __init__(self, path: Path, fps: float) -> None:
        """Start a video of real-time rate ``fps`` (the env's frames per second)."""
        self.path, self.suffix = path, path.suffix.lower()
        self.stride = max(1, math.ceil(fps / GIF_MAX_FPS)) if self.suffix == ".gif" else 1
        self.fps = fps / self.stride
        self.max_frames = MAX_VIDEO_FRAMES[self.suffix]
        self.frames_seen = self.frames_written = 0
        self.cut = False
        path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{self.suffix}")
        self._gif_frames: list[Any] = []
        self._mp4 = None
        if self.suffix == ".mp4":
            import imageio.v2 as imageio

            # macro_block_size=2 with frames padded to even sizes: H.264 in yuv420p needs even
            # sides, and imageio would otherwise rescale every frame to multiples of 16.
            self._mp4 = imageio.get_writer(
                self._tmp, fps=self.fps, codec="libx264", macro_block_size=2,
                ffmpeg_log_level="error",
            )  # fmt: skip

    @property
    def full(self) -> bool:
        """Whether the video has reached its length limit (later frames are dropped)."""
        return self.frames_written >= self.max_frames

    def drop(self) -> None:
        """A frame past the length limit, not even rendered: the video says it was cut."""
        self.cut = True

    def add(self, frame: np.ndarray | None) -> None:
        """Append one rendered frame (every ``stride``-th is kept)."""
        if frame is None:
            raise ConfigError("the env returned no frame from render(); it cannot make a video")
        self.frames_seen += 1
        if (self.frames_seen - 1) % self.stride:
            return
        if self.full:
            self.cut = True
            return
        frame = np.asarray(frame, dtype=np.uint8)
        if self._mp4 is not None:
            pad = ((0, frame.shape[0] % 2), (0, frame.shape[1] % 2), (0, 0))
            self._mp4.append_data(np.pad(frame, pad))
        else:
            self._gif_frames.append(_gif_frame(frame))
        self.frames_written += 1

    def close(self) -> str:
        """Finish the file and move it into place; return a line that says what was written."""
        try:
            if self._mp4 is not None:
                self._mp4.close()
            elif self._gif_frames:
                first, *rest = self._gif_frames
                first.save(
                    self._tmp,
                    save_all=True,
                    append_images=rest,
                    duration=round(1000 / self.fps),
                    loop=0,
                )
            if self.frames_written == 0:
                return f"video: no frames, {self.path} not written"
            os.replace(self._tmp, self.path)
        finally:
            self._tmp.unlink(missing_ok=True)
        seconds = self.frames_written / self.fps
        note = f" (cut at {self.max_frames} frames)" if self.cut else ""
        return (
            f"video: {self.path}, {self.frames_written} frames at {self.fps:g} fps, "
            f"{seconds:.1f} s{note}"
        )


def _gif_frame(frame: np.ndarray) -> Any:
    """A small palette image: shrunk by a whole factor (box filter) to GIF_MAX_SIDE."""
    from PIL import Image

    image = Image.fromarray(frame)
    factor = math.ceil(max(frame.shape[:2]) / GIF_MAX_SIDE)
    if factor > 1:
        image = image.reduce(factor)
    return image.convert("P", palette=Image.Palette.ADAPTIVE)


def frames_per_second(env: Any, env_cfg: Any) -> float:
    """The env's real-time rate: its ``render_fps`` over the frames each step holds."""
    fps = float(env.metadata.get("render_fps") or 30)
    return fps / (getattr(env_cfg, "frame_skip", None) or 1)


def gif_of_video(path: Path, max_frames: int = MAX_VIDEO_FRAMES[".gif"]) -> tuple[bytes, int, int]:
    """A video file as an animated GIF in memory (shrunk and thinned as ``VideoWriter`` does
    for ``.gif``), with its height and width: what TensorBoard shows as a moving image.

    The frames are read one at a time, so a long video never sits in memory at full size.
    """
    import io

    import imageio.v2 as imageio

    reader: Any = imageio.get_reader(path)
    try:
        fps = float(reader.get_meta_data().get("fps") or 30)
        stride = max(1, math.ceil(fps / GIF_MAX_FPS))
        frames = [
            _gif_frame(np.asarray(frame))
            for i, frame in enumerate(reader)
            if i % stride == 0 and i // stride < max_frames
        ]
    finally:
        reader.close()
    if not frames:
        raise ValueError(f"{path} has no frames")
    buffer = io.BytesIO()
    first, *rest = frames
    first.save(buffer, format="GIF", save_all=True, append_images=rest,
               duration=round(1000 * stride / fps), loop=0)  # fmt: skip
    return buffer.getvalue(), first.height, first.width
