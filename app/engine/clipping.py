"""Gradient clipping (design.md §11): torch's own `clip_grad_norm_` and `clip_grad_value_`, and their batched twin.

`clip_gradients_` is the one call every loop makes after `backward()` (and after the simulated noise): a
run's closure on its 2-vector, a training on all of a model's parameters. `clip_rows_` clips the rows of a
sweep's (B, 2) gradient, each exactly as `clip_gradients_` clips a lone run's (2,) gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from app.engine.spec import ClipSpec


def torch_clipping(clip: ClipSpec) -> tuple[Callable[..., object], float]:
    """The torch.nn.utils function a clip calls and its bound; exported scripts print the same call."""
    if clip.norm is not None:
        return torch.nn.utils.clip_grad_norm_, clip.norm
    assert clip.value is not None
    return torch.nn.utils.clip_grad_value_, clip.value


def clip_gradients_(parameters: Iterable[torch.Tensor], clip: ClipSpec | None) -> None:
    """Clip the parameters' gradients in place, as a training script would; nothing when `clip` is None."""
    if clip is not None:
        function, bound = torch_clipping(clip)
        function(parameters, bound)


@torch.no_grad()
def clip_rows_(grads: torch.Tensor, clip: ClipSpec | None) -> None:
    """Clip each row of a (B, 2) gradient in place, bit for bit as `clip_gradients_` clips one (2,) gradient.

    By value, torch clamps element-wise (`clamp_min_`, then `clamp_max_`), so the batch does the same. By
    norm, torch takes each parameter's 2-norm, the 2-norm of those (here: of one), then multiplies by
    `clamp(max_norm / (total + 1e-6), max=1.0)`; the batch takes the same steps per row, with the same
    expression (`float / tensor` is torch's reciprocal-then-multiply), along dim 1.
    tests/unit/test_clipping.py holds it to torch's functions on many gradients, tiny, huge and not finite.
    """
    if clip is None:
        return
    if clip.value is not None:
        grads.clamp_min_(-clip.value).clamp_max_(clip.value)
        return
    assert clip.norm is not None
    norms = torch.linalg.vector_norm(grads, 2.0, dim=1)
    total = torch.linalg.vector_norm(norms.unsqueeze(1), 2.0, dim=1)
    coefficient = torch.clamp(clip.norm / (total + 1e-6), max=1.0)
    grads.mul_(coefficient.unsqueeze(1))
