"""Episodes of a trained policy, rendered off-screen into an animated GIF."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

import numpy as np

from keraslab.plugins.rl import environments


def play_episodes(program, env_id: str, episodes: int, seed: int, max_frames: int = 1000):
    """(frames, returns) of `episodes` greedy episodes; frames are RGB
    arrays from gym's off-screen renderer (SDL's dummy video driver)."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # pygame opens no sound device
    frames: List[np.ndarray] = []
    returns = []
    for episode in range(episodes):
        env = environments.make(env_id, seed + episode)
        observation, done, total = env.reset(seed=seed + episode), False, 0.0
        frames.append(env.render(mode="rgb_array"))
        while not done:
            action = np.asarray(program.greedy_action(np.asarray(observation)[None]))[0]
            observation, reward, done, _ = env.step(environments.gym_action(env, action))
            total += reward
            if len(frames) < max_frames:
                frames.append(env.render(mode="rgb_array"))
        returns.append(total)
        env.close()
    return frames, returns


def write_gif(frames, path: Path, fps: int = 30) -> Path:
    """Writes RGB frames as an animated GIF (Pillow), looping forever."""
    from PIL import Image

    if not frames:
        raise ValueError("no frames to write")
    images = [Image.fromarray(np.asarray(frame, np.uint8)) for frame in frames]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    images[0].save(
        partial, format="GIF", save_all=True, append_images=images[1:], duration=max(int(1000 / fps), 20), loop=0
    )
    partial.replace(path)
    return path
