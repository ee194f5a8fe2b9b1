"""Time loops of the three GRUs with a hand-derived backward, for the scripted backend.
Interface: see :mod:`seqmodels.nn.backends.kernel_rnn`. ``option`` picks the variant:

- ``FULL`` (0): gate rows [Γr, Γu, c~], c~ = tanh(W_cx x + b_c + W_ca (Γr * c<t-1>));
- ``MINIMAL`` (1): gate rows [Γu, c~], c~ = tanh(W_cx x + b_c + W_ca c<t-1>);
- ``RESET_AFTER`` (2): gate rows [Γr, Γu, c~], c~ = tanh(W_cx x + b_c + Γr * (W_ca c<t-1> + b_ca)),
  extras = [b_ca].

(TorchScript cannot read module globals, so the loops compare ``option`` with the literals.)

All three end with c<t> = Γu * c~ + (1 - Γu) * c<t-1> = c<t-1> + Γu * (c~ - c<t-1>).
"""

from typing import List, Optional, Tuple

import torch
from torch import Tensor

FULL = 0
MINIMAL = 1
RESET_AFTER = 2


def forward(
    zx: Tensor, W_aa: Tensor, extras: List[Tensor], state0: List[Tensor], mask: Optional[Tensor], option: int
) -> Tuple[Tensor, List[Tensor], List[Tensor]]:
    """Gates of step t from zx<t> and c<t-1>, then c<t> = c<t-1> + Γu (c~ - c<t-1>)."""
    T = zx.size(0)
    c = state0[0]
    B, H = c.size(0), c.size(1)
    minimal = option == 1
    c_seq = zx.new_empty([T + 1, B, H])  # c<0..T>
    c_seq[0] = c
    gates = torch.empty_like(zx)  # activated gates of every step, rows as zx
    # FULL: Γr * c<t-1>; RESET_AFTER: W_ca c<t-1> + b_ca; MINIMAL: unused
    aux = zx.new_empty([T, B, H]) if not minimal else zx.new_empty([0])
    W_t = W_aa.t()
    W_ru_t = W_aa[: 2 * H].t()
    W_c_t = W_aa[2 * H :].t()
    for t in range(T):
        g = gates[t]
        if minimal:
            z = torch.addmm(zx[t], c, W_t)
            torch.sigmoid(z[:, :H], out=g[:, :H])  # Γu
            torch.tanh(z[:, H:], out=g[:, H:])  # c~
            gamma_u, c_tilde = g[:, :H], g[:, H:]
        elif option == 0:
            torch.sigmoid(torch.addmm(zx[t][:, : 2 * H], c, W_ru_t), out=g[:, : 2 * H])  # Γr, Γu
            r_c = torch.mul(g[:, :H], c, out=aux[t])  # Γr * c<t-1>
            torch.tanh(torch.addmm(zx[t][:, 2 * H :], r_c, W_c_t), out=g[:, 2 * H :])  # c~
            gamma_u, c_tilde = g[:, H : 2 * H], g[:, 2 * H :]
        else:
            zh = torch.mm(c, W_t)
            torch.sigmoid(zx[t][:, : 2 * H] + zh[:, : 2 * H], out=g[:, : 2 * H])  # Γr, Γu
            zh_c = torch.add(zh[:, 2 * H :], extras[0], out=aux[t])  # W_ca c<t-1> + b_ca
            torch.tanh(torch.addcmul(zx[t][:, 2 * H :], g[:, :H], zh_c), out=g[:, 2 * H :])  # c~
            gamma_u, c_tilde = g[:, H : 2 * H], g[:, 2 * H :]
        c_new = torch.addcmul(c, gamma_u, c_tilde - c)
        c = c_new if mask is None else torch.where(mask[t], c_new, c)
        c_seq[t + 1] = c
    outputs = c_seq[1:] if mask is None else c_seq[1:] * mask
    return outputs, [c], [c_seq, gates, aux]


def backward(
    grad_outputs: Tensor, grad_final: List[Tensor], saved: List[Tensor], W_aa: Tensor, extras: List[Tensor],
    mask: Optional[Tensor], option: int
) -> Tuple[Tensor, Tensor, List[Tensor], List[Tensor]]:
    """Back through c<t> = c<t-1> + Γu (c~ - c<t-1>), then through each variant's gates."""
    c_seq, gates, aux = saved[0], saved[1], saved[2]
    T, B, H = grad_outputs.shape
    minimal = option == 1
    if mask is not None:
        grad_outputs = grad_outputs * mask
    d_zx = torch.empty_like(gates)  # gradient of the input projection
    # gradient of the recurrent pre-activation; only RESET_AFTER differs from d_zx
    d_zh = torch.empty_like(gates) if option == 2 else d_zx
    W_ru = W_aa[: 2 * H]
    W_c = W_aa[2 * H :]
    one = gates.new_ones([1])  # σ - σ², 1 - x² as one addcmul: a scalar `1 - x` is three ops in TorchScript
    d_c = grad_final[0]
    for t in range(T - 1, -1, -1):
        d_c = d_c + grad_outputs[t]
        g = gates[t]
        c_prev = c_seq[t]
        dz = d_zx[t]
        if minimal:
            gamma_u, c_tilde = g[:, :H], g[:, H:]
        else:
            gamma_u, c_tilde = g[:, H : 2 * H], g[:, 2 * H :]
        d_u = d_c * (c_tilde - c_prev)  # dΓu
        d_ct = d_c * gamma_u  # dc~
        d_c_prev = d_c - d_ct  # (1 - Γu) dc<t>
        if minimal:
            torch.mul(d_u, torch.addcmul(gamma_u, gamma_u, gamma_u, value=-1.0), out=dz[:, :H])
            torch.mul(d_ct, torch.addcmul(one, c_tilde, c_tilde, value=-1.0), out=dz[:, H:])
            if mask is not None:
                dz.mul_(mask[t])
            d_c_prev += torch.mm(dz, W_aa)
        else:
            gamma_r = g[:, :H]
            d_zc = torch.mul(d_ct, torch.addcmul(one, c_tilde, c_tilde, value=-1.0), out=dz[:, 2 * H :])
            torch.mul(d_u, torch.addcmul(gamma_u, gamma_u, gamma_u, value=-1.0), out=dz[:, H : 2 * H])
            if option == 0:
                d_rc = torch.mm(d_zc, W_c)  # d(Γr * c<t-1>)
                d_c_prev += d_rc * gamma_r
                torch.mul(d_rc * c_prev, torch.addcmul(gamma_r, gamma_r, gamma_r, value=-1.0), out=dz[:, :H])
                if mask is not None:
                    dz.mul_(mask[t])
                d_c_prev += torch.mm(dz[:, : 2 * H], W_ru)
            else:
                torch.mul(d_zc * aux[t], torch.addcmul(gamma_r, gamma_r, gamma_r, value=-1.0), out=dz[:, :H])
                if mask is not None:
                    dz.mul_(mask[t])
                dzh = d_zh[t]
                dzh[:, : 2 * H] = dz[:, : 2 * H]
                torch.mul(dz[:, 2 * H :], gamma_r, out=dzh[:, 2 * H :])  # d(W_ca c<t-1> + b_ca)
                d_c_prev += torch.mm(dzh, W_aa)
        d_c = d_c_prev if mask is None else torch.where(mask[t], d_c_prev, d_c)
    c_before = c_seq[:-1].reshape(T * B, H)
    d_extras: List[Tensor] = []
    if option == 0:
        d_rows = d_zx.view(T * B, 3 * H)
        d_W_aa = torch.cat(
            [torch.mm(d_rows[:, : 2 * H].t(), c_before), torch.mm(d_rows[:, 2 * H :].t(), aux.view(T * B, H))]
        )
    else:
        d_W_aa = torch.mm(d_zh.view(T * B, d_zh.size(2)).t(), c_before)
        if option == 2:
            d_extras.append(d_zh[:, :, 2 * H :].sum([0, 1]))  # db_ca
    return d_zx, d_W_aa, d_extras, [d_c]
