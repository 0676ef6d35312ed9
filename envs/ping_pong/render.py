"""The pygame drawing of one game at full size with the score (the ``human`` and ``rgb_array``
renders), and the keyboard of its window.

pygame is imported only when a renderer is made or the keys are read, so that ``import rlkit``
and the envs without a render stay free of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .rules import RENDER_FPS, PongRules, keys_to_action

if TYPE_CHECKING:
    from .core import PongCore


def held_keys() -> tuple[bool, bool]:
    """(up, down) held in the game's window: the up arrow or W, the down arrow or S."""
    import pygame

    held = pygame.key.get_pressed()
    return bool(held[pygame.K_UP] or held[pygame.K_w]), bool(
        held[pygame.K_DOWN] or held[pygame.K_s]
    )


class Renderer:
    """pygame drawing of one game at full size with the score (imported only when rendering)."""

    def __init__(self, rules: PongRules, mode: str) -> None:
        """Set up pygame for ``mode``: ``"human"`` opens the window, ``"rgb_array"`` draws off
        screen."""
        import pygame

        self.pygame = pygame
        self.rules = rules
        self.mode = mode
        pygame.font.init()
        self.font = pygame.font.Font(None, 64)
        size = (rules.width, rules.height)
        if mode == "human":
            pygame.display.init()
            pygame.display.set_caption("rlkit ping pong")
            self.window = pygame.display.set_mode(size)
            self.clock = pygame.time.Clock()
        self.surface = pygame.Surface(size)

    def draw(self, core: PongCore, i: int) -> np.ndarray | None:
        """Draw game ``i``; show it (human, at 60 fps) or return it as an RGB array."""
        pygame = self.pygame
        self._paint(core, i)
        if self.mode == "rgb_array":
            return np.transpose(pygame.surfarray.array3d(self.surface), (1, 0, 2))
        self.window.blit(self.surface, (0, 0))
        pygame.event.pump()
        pygame.display.flip()
        self.clock.tick(RENDER_FPS)
        return None

    def _paint(self, core: PongCore, i: int) -> None:
        """Game ``i`` onto ``self.surface``: walls, net or left wall, paddles, ball, score."""
        pygame, r = self.pygame, self.rules
        white, grey = (255, 255, 255), (150, 150, 150)
        surface = self.surface
        surface.fill((0, 0, 0))
        pygame.draw.rect(surface, grey, (0, 0, r.width, r.wall))
        pygame.draw.rect(surface, grey, (0, r.height - r.wall, r.width, r.wall))
        if core.versus:
            for y in range(r.wall, r.height - r.wall, 30):  # the net
                pygame.draw.rect(surface, (70, 70, 70), (r.width // 2 - 2, y + 5, 4, 15))
            text = f"{core.score[i, 1]}      {core.score[i, 0]}"
            pygame.draw.rect(
                surface, white, (r.opponent_x, core.opponent_y[i], r.paddle_width, r.paddle_height)
            )
        else:
            text = f"returns {core.returns[i]}"
            pygame.draw.rect(surface, grey, (0, 0, r.wall, r.height))
        pygame.draw.rect(
            surface, white, (r.paddle_x, core.paddle_y[i], r.paddle_width, r.paddle_height)
        )
        pygame.draw.rect(surface, white, (core.ball_x[i], core.ball_y[i], r.ball_size, r.ball_size))
        label = self.font.render(text, True, white)
        surface.blit(label, label.get_rect(midtop=(r.width // 2, r.wall + 10)))

    def keyboard_action(self) -> int:
        """The left paddle's action from the keys held (W or up arrow, S or down arrow; neither
        or both: stay), as :func:`~rlkit.envs.ping_pong.rules.keys_to_action` maps them."""
        self.pygame.event.pump()
        return keys_to_action(*held_keys())

    def close(self) -> None:
        """Close the window."""
        if self.mode == "human":
            self.pygame.display.quit()
