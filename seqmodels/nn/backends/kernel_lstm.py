"""Time loops of the LSTM (plain or peephole) with a hand-derived backward, for the scripted
backend. Interface: see :mod:`seqmodels.nn.backends.kernel_rnn`. Gate rows: [Γu, Γf, c~, Γo];
``extras`` is [] or [W_peephole] = [[p_u, p_f, p_o]].

``NATIVE_SOURCE``: the C++ twin of both loops with the input projection folded in, one fused element-wise pass
per step, padding included, every product on oneDNN's brgemm tiles; the LSTMCell declares it as its
ScriptedKernel's ``native_source`` (:mod:`seqmodels.nn.backends.native` builds it and picks which of the two
runs).
"""

from typing import List, Optional, Tuple

import torch
from torch import Tensor

NATIVE_SOURCE = "lstm_loop.cpp"


def forward(
    zx: Tensor, W_aa: Tensor, extras: List[Tensor], state0: List[Tensor], mask: Optional[Tensor], option: int
) -> Tuple[Tensor, List[Tensor], List[Tensor]]:
    """Γ = σ(zx<t> + W_aa a<t-1> (+ p * c<t-1>)), c~ = tanh(·);  c<t> = Γu c~ + Γf c<t-1>;  a<t> = Γo tanh(c<t>)."""
    T = zx.size(0)
    a, c = state0[0], state0[1]
    B, H = a.size(0), a.size(1)
    a_seq = zx.new_empty([T + 1, B, H])  # a<0..T>
    c_seq = zx.new_empty([T + 1, B, H])  # c<0..T>
    gates = zx.new_empty([T, B, 4 * H])  # activated [Γu, Γf, c~, Γo] of every step
    tanh_c = zx.new_empty([T, B, H])  # tanh(c<t>)
    a_seq[0] = a
    c_seq[0] = c
    W_t = W_aa.t()
    peephole = len(extras) > 0
    # per-gate views of all steps, made once: in the loop each access is one select
    # (TorchScript turns g[:, :H] into two slice ops)
    by_gate = gates.view(T, B, 4, H)
    gamma_u, gamma_f, c_tilde, gamma_o = by_gate.unbind(2)
    for t in range(T):
        z = torch.addmm(zx[t], a, W_t)
        if peephole:
            p = extras[0]
            z.narrow(1, 0, 2 * H).addcmul_(c.repeat(1, 2), p.narrow(0, 0, 2 * H))  # + p_u * c<t-1>, + p_f * c<t-1>
            z.narrow(1, 3 * H, H).addcmul_(c, p.narrow(0, 2 * H, H))  # + p_o * c<t-1>
        torch.sigmoid(z, out=gates[t])
        torch.tanh(z.narrow(1, 2 * H, H), out=c_tilde[t])
        c_new = torch.addcmul(gamma_f[t] * c, gamma_u[t], c_tilde[t])  # Γf c<t-1> + Γu c~
        a_new = gamma_o[t] * torch.tanh(c_new, out=tanh_c[t])  # Γo tanh(c<t>)
        if mask is None:
            a, c = a_new, c_new
        else:
            a = torch.where(mask[t], a_new, a)
            c = torch.where(mask[t], c_new, c)
        a_seq[t + 1] = a
        c_seq[t + 1] = c
    outputs = a_seq[1:] if mask is None else a_seq[1:] * mask
    return outputs, [a, c], [a_seq, c_seq, gates, tanh_c]


def backward(
    grad_outputs: Tensor, grad_final: List[Tensor], saved: List[Tensor], W_aa: Tensor, extras: List[Tensor],
    mask: Optional[Tensor], option: int
) -> Tuple[Tensor, Tensor, List[Tensor], List[Tensor]]:
    """Back through a<t> = Γo tanh(c<t>) and c<t> = Γu c~ + Γf c<t-1>, then through the gates."""
    a_seq, c_seq, gates, tanh_c = saved[0], saved[1], saved[2], saved[3]
    T, B, H = grad_outputs.shape
    if mask is not None:
        grad_outputs = grad_outputs * mask
    peephole = len(extras) > 0
    d_z = torch.empty_like(gates)
    one = gates.new_ones([1])
    # per-gate views of all steps, made once (see forward)
    gamma_u, gamma_f, c_tilde, gamma_o = gates.view(T, B, 4, H).unbind(2)
    d_u, d_f, d_ct_gate, d_o = d_z.view(T, B, 4, H).unbind(2)
    d_a = grad_final[0] + grad_outputs[T - 1]
    d_c = grad_final[1]
    for t in range(T - 1, -1, -1):
        g = gates[t]
        tc = tanh_c[t]
        c_tilde_t = c_tilde[t]
        # (x - x², 1 - x² as one addcmul each: a Python-scalar `1 - x` costs three ops in TorchScript)
        d_ct = torch.addcmul(d_c, d_a * gamma_o[t], torch.addcmul(one, tc, tc, value=-1.0))  # dc + da Γo (1 - tanh²c)
        torch.mul(d_ct, c_tilde_t, out=d_u[t])  # dΓu
        torch.mul(d_ct, c_seq[t], out=d_f[t])  # dΓf
        torch.mul(d_ct, gamma_u[t], out=d_ct_gate[t])  # dc~
        torch.mul(d_a, tc, out=d_o[t])  # dΓo
        slope = torch.addcmul(g, g, g, value=-1.0)  # σ' = σ - σ² ...
        torch.addcmul(one, c_tilde_t, c_tilde_t, value=-1.0, out=slope.narrow(1, 2 * H, H))  # ... and tanh' = 1 - c~²
        d_g = d_z[t]
        d_g.mul_(slope)
        d_c_prev = d_ct * gamma_f[t]
        if peephole:
            p = extras[0]
            d_c_prev += (d_g.narrow(1, 0, 2 * H) * p.narrow(0, 0, 2 * H)).view(B, 2, H).sum(1)
            d_c_prev += d_o[t] * p.narrow(0, 2 * H, H)
        grad_before = grad_outputs[t - 1] if t > 0 else torch.zeros_like(d_a)
        if mask is None:
            d_a = torch.addmm(grad_before, d_g, W_aa)  # dz W_aa + the output's gradient at t-1
            d_c = d_c_prev
        else:
            d_g.mul_(mask[t])
            d_a = torch.where(mask[t], torch.mm(d_g, W_aa), d_a) + grad_before  # padding passes the state through
            d_c = torch.where(mask[t], d_c_prev, d_c)
    d_W_aa = torch.mm(d_z.view(T * B, 4 * H).t(), a_seq[:-1].reshape(T * B, H))
    d_extras: List[Tensor] = []
    if peephole:
        d_gates = d_z.view(T, B, 4, H)
        c_before = c_seq[:-1].unsqueeze(2)
        d_p_uf = (d_gates[:, :, :2] * c_before).sum([0, 1]).view(2 * H)  # Σ dz_u,f c<t-1>
        d_p_o = (d_gates[:, :, 3] * c_seq[:-1]).sum([0, 1])  # Σ dz_o c<t-1>
        d_extras.append(torch.cat([d_p_uf, d_p_o]))
    return d_z, d_W_aa, d_extras, [d_a, d_c]
