"""Time loops of the basic RNN with a hand-derived backward, for the scripted backend.

Every kernel module of this package has the same two functions (compiled with TorchScript
by :mod:`seqmodels.nn.backends.scripted`), working time-major on one layer and direction:

``forward(zx, W_aa, extras, state0, mask, option) -> (outputs, final_state, saved)``
    zx (T, B, G*H) is the hoisted input projection W_ax x<t> + b of every step;
    mask (T, B, 1) bool is True on real tokens (None: no padding). Where it is False the
    state is carried unchanged and the output is zero.
``backward(grad_outputs, grad_final, saved, W_aa, extras, mask, option) -> (d_zx, d_W_aa, d_extras, d_state0)``
    runs only the recurrent product dz<t> W_aa per step; dW_aa is then ONE matrix product
    over all T*B rows, as the fused kernels do.
``option`` picks a variant of the cell; here 1 means g = relu, 0 g = tanh.

A cell's ScriptedKernel may also name (``native_source``) a C++ file next to the module that defines the
same two functions with the input projection folded in (x, W_ax and b in, dx, dW_ax and db out);
:mod:`seqmodels.nn.backends.native` compiles it and runs it instead where it can.
"""

from typing import List, Optional, Tuple

import torch
from torch import Tensor


def forward(
    zx: Tensor, W_aa: Tensor, extras: List[Tensor], state0: List[Tensor], mask: Optional[Tensor], option: int
) -> Tuple[Tensor, List[Tensor], List[Tensor]]:
    """a<t> = g(W_ax x<t> + b_a + W_aa a<t-1>) for t = 1..T."""
    relu = option == 1
    T = zx.size(0)
    a = state0[0]
    states = zx.new_empty([T + 1, a.size(0), a.size(1)])  # a<0..T>
    states[0] = a
    W_t = W_aa.t()
    for t in range(T):
        z = torch.addmm(zx[t], a, W_t)
        if mask is None:
            a = torch.relu(z, out=states[t + 1]) if relu else torch.tanh(z, out=states[t + 1])
        else:
            a_new = torch.relu(z) if relu else torch.tanh(z)
            a = torch.where(mask[t], a_new, a)
            states[t + 1] = a
    outputs = states[1:] if mask is None else states[1:] * mask
    return outputs, [a], [states]


def backward(
    grad_outputs: Tensor, grad_final: List[Tensor], saved: List[Tensor], W_aa: Tensor, extras: List[Tensor],
    mask: Optional[Tensor], option: int
) -> Tuple[Tensor, Tensor, List[Tensor], List[Tensor]]:
    """dz<t> = da<t> * g'(z<t>);  da<t-1> = dz<t> W_aa;  dW_aa = Σ_t dz<t>ᵀ a<t-1>."""
    relu = option == 1
    states = saved[0]
    T, B, H = grad_outputs.shape
    if mask is not None:
        grad_outputs = grad_outputs * mask
    d_z = torch.empty_like(grad_outputs)
    one = states.new_ones([1])  # 1 - a² as one addcmul: a scalar `1 - x` is three ops in TorchScript
    d_a = grad_final[0]
    for t in range(T - 1, -1, -1):
        d_a = d_a + grad_outputs[t]
        a_t = states[t + 1]
        if relu:
            d_zt = torch.mul(d_a, a_t > 0, out=d_z[t])  # relu'(z) = [a<t> > 0]
        else:
            d_zt = torch.mul(d_a, torch.addcmul(one, a_t, a_t, value=-1.0), out=d_z[t])  # tanh'(z) = 1 - a<t>²
        if mask is None:
            d_a = torch.mm(d_zt, W_aa)
        else:
            d_zt.mul_(mask[t])
            d_a = torch.where(mask[t], torch.mm(d_zt, W_aa), d_a)  # padding passes the state through
    d_W_aa = torch.mm(d_z.view(T * B, H).t(), states[:-1].reshape(T * B, H))
    no_extras: List[Tensor] = []
    return d_z, d_W_aa, no_extras, [d_a]
