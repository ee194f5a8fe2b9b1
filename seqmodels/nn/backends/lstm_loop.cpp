// The native twin of kernel_lstm.py: the same forward and backward (same arguments, same results, the
// same math), compiled at run time by seqmodels/nn/backends/native.py when a C++ compiler is found.
//
// Per time step the forward runs one product a<t-1> W_aaᵀ and ONE pass over the B x H units that adds
// zx<t>, activates the gates and writes c<t>, tanh(c<t>) and a<t>; the backward runs one product
// dz<t+1> W_aa for da<t> and one pass that turns da<t>, dc<t> into dz<t> and dc<t-1> (and adds the
// peephole weights' gradient). dW_aa is one product at the end. Padding (mask False) carries a row's state
// through unchanged, as in kernel_lstm.py.
//
// Both the products and the passes are split among ATen's threads by columns (units): each thread computes
// its block of the output's columns with oneDNN's brgemm micro-kernel (float; ATen's cpublas::brgemm, which
// falls back to BLAS where oneDNN has none) or a single-threaded at::mm (double), then runs the pass on its
// block of units of every row. For these thin products (B rows) that beats MKL's own threading on two
// threads: at B=20, H=650 a<t-1> W_aaᵀ took 0.60 ms with at::mm, 0.44 with at::mm by columns and 0.31 with
// brgemm by columns.
// Gate rows: [Γu, Γf, c~, Γo]; extras is [] or [W_peephole] = [[p_u, p_f, p_o]].

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/cpu/vec/vec.h>
#include <ATen/native/CPUBlas.h>
#include <torch/python.h>

#include <optional>
#include <tuple>
#include <vector>

using at::Tensor;
using TensorList = std::vector<Tensor>;

namespace {

// H consecutive units of one row, Vectorized<T>::size() at a time; the last chunk may be partial
template <typename T>
struct Chunk {
  using V = at::vec::Vectorized<T>;
  int64_t n;  // units in this chunk

  V load(const T* p) const { return n == V::size() ? V::loadu(p) : V::loadu(p, n); }
  void store(T* p, const V& v) const { n == V::size() ? v.store(p) : v.store(p, n); }
};

template <typename T>
at::vec::Vectorized<T> sigmoid(const at::vec::Vectorized<T>& z) {
  const at::vec::Vectorized<T> one(T(1));
  return one / (one + z.neg().exp());  // σ(z) = 1 / (1 + e^-z)
}

// tanh(x) = 2 σ(2x) - 1 = 2 / (1 + e^-2x) - 1: one exp and one division; with it the forward pass's
// element-wise part took 23 us per step, with SLEEF's tanh 37 (B=32, H=200, one thread).
// Off by a few ulp of 1 at most (≈1e-7 in float32, 4e-16 in float64): absolute, not relative, accuracy
// near 0; the limits ±1 come out exactly.
template <typename T>
at::vec::Vectorized<T> tanh_by_exp(const at::vec::Vectorized<T>& x) {
  const at::vec::Vectorized<T> one(T(1)), two(T(2));
  return two / (one + (x * at::vec::Vectorized<T>(T(-2))).exp()) - one;
}

// What every row's pass needs besides its buffers: the units per gate, the block of units this thread runs
// and the peephole weights
template <typename T>
struct Gates {
  const T* p;  // [p_u, p_f, p_o] (3H), or nullptr
  int64_t H;
  int64_t begin, end;  // the units [begin, end) of each gate, begin a multiple of the vector size
  T* d_p = nullptr;  // backward: the peephole weights' gradient, [dp_u, dp_f, dp_o] (3H), summed into
};

// Forward of one row's units [begin, end): z (4H) holds a<t-1> W_aaᵀ on entry and the activated gates on exit; with zx (4H),
//   z_· = zx_· + (a<t-1> W_aaᵀ)_· (+ p_· c<t-1>)
//   Γu, Γf, Γo = σ(z_·),  c~ = tanh(z_c),  c<t> = Γf c<t-1> + Γu c~,  a<t> = Γo tanh(c<t>)
template <typename T>
void forward_row(T* z, const T* zx, const T* c_prev, T* c, T* tanh_c, T* a, Gates<T> gates) {
  using V = at::vec::Vectorized<T>;
  const int64_t H = gates.H;
  for (int64_t j = gates.begin; j < gates.end; j += V::size()) {
    const Chunk<T> k{std::min<int64_t>(V::size(), gates.end - j)};
    const V cp = k.load(c_prev + j);
    V z_u = k.load(zx + j) + k.load(z + j), z_f = k.load(zx + H + j) + k.load(z + H + j),
      z_o = k.load(zx + 3 * H + j) + k.load(z + 3 * H + j);
    if (gates.p) {
      z_u = z_u + k.load(gates.p + j) * cp;  // + p_u * c<t-1>
      z_f = z_f + k.load(gates.p + H + j) * cp;  // + p_f * c<t-1>
      z_o = z_o + k.load(gates.p + 2 * H + j) * cp;  // + p_o * c<t-1>
    }
    const V g_u = sigmoid(z_u), g_f = sigmoid(z_f), c_tilde = tanh_by_exp(k.load(zx + 2 * H + j) + k.load(z + 2 * H + j)),
            g_o = sigmoid(z_o);
    const V c_new = g_f * cp + g_u * c_tilde;  // c<t> = Γf c<t-1> + Γu c~
    const V tc = tanh_by_exp(c_new);
    k.store(z + j, g_u);
    k.store(z + H + j, g_f);
    k.store(z + 2 * H + j, c_tilde);
    k.store(z + 3 * H + j, g_o);
    k.store(c + j, c_new);
    k.store(tanh_c + j, tc);
    k.store(a + j, g_o * tc);  // a<t> = Γo tanh(c<t>)
  }
}

// Backward of one row's units [begin, end), from da<t> = da_in + go (da_in: through the recurrence, go: the output's gradient;
// written to d_a) and dc<t> (d_c, overwritten with dc<t-1>) through the saved gates g, tanh(c<t>) and
// c<t-1> to dz<t> (d_z, 4H):
//   dc = dc<t> + da Γo (1 - tanh² c<t>)
//   dz_u = dc c~ Γu (1 - Γu),  dz_f = dc c<t-1> Γf (1 - Γf),  dz_c = dc Γu (1 - c~²),  dz_o = da tanh(c<t>) Γo (1 - Γo)
//   dc<t-1> = dc Γf (+ p_u dz_u + p_f dz_f + p_o dz_o),  and then dp_· += dz_· c<t-1> for · in u, f, o
template <typename T>
void backward_row(const T* da_in, const T* go, T* d_a, T* d_c, const T* g, const T* tanh_c, const T* c_prev, T* d_z,
                  Gates<T> gates) {
  using V = at::vec::Vectorized<T>;
  const V one(T(1));
  const int64_t H = gates.H;
  for (int64_t j = gates.begin; j < gates.end; j += V::size()) {
    const Chunk<T> k{std::min<int64_t>(V::size(), gates.end - j)};
    const V da = k.load(da_in + j) + k.load(go + j), tc = k.load(tanh_c + j), cp = k.load(c_prev + j);
    const V g_u = k.load(g + j), g_f = k.load(g + H + j), c_tilde = k.load(g + 2 * H + j), g_o = k.load(g + 3 * H + j);
    const V dc = k.load(d_c + j) + da * g_o * (one - tc * tc);
    const V dz_u = dc * c_tilde * g_u * (one - g_u);
    const V dz_f = dc * cp * g_f * (one - g_f);
    const V dz_o = da * tc * g_o * (one - g_o);
    V dc_prev = dc * g_f;
    if (gates.p) {
      dc_prev = dc_prev + k.load(gates.p + j) * dz_u + k.load(gates.p + H + j) * dz_f + k.load(gates.p + 2 * H + j) * dz_o;
      T* dp = gates.d_p;
      k.store(dp + j, k.load(dp + j) + dz_u * cp);
      k.store(dp + H + j, k.load(dp + H + j) + dz_f * cp);
      k.store(dp + 2 * H + j, k.load(dp + 2 * H + j) + dz_o * cp);
    }
    k.store(d_z + j, dz_u);
    k.store(d_z + H + j, dz_f);
    k.store(d_z + 2 * H + j, dc * g_u * (one - c_tilde * c_tilde));
    k.store(d_z + 3 * H + j, dz_o);
    k.store(d_c + j, dc_prev);
    k.store(d_a + j, da);
  }
}

// mask[t][b] of a (T, B, 1) bool mask; true without one
struct Mask {
  const bool* m;
  int64_t B;
  bool operator()(int64_t t, int64_t b) const { return m == nullptr || m[t * B + b]; }
};

// [begin, end) of part `part` of `parts` of n columns: cut at multiples of 16, a whole number of vectors of
// float and double at any CPU capability; a part may be empty
struct Span {
  int64_t begin, end;
};

Span part_of(int64_t n, int64_t part, int64_t parts) {
  const auto cut = [&](int64_t p) { return p == parts ? n : n * p / parts / 16 * 16; };
  return {cut(part), cut(part + 1)};
}

// fn(span) for one span of [0, n) per ATen thread, all running at once
template <typename F>
void for_parts(int64_t n, const F& fn) {
  const int64_t parts = at::get_num_threads();
  at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
    const at::NoGradGuard no_grad;  // a worker thread does not inherit the caller's grad mode
    for (int64_t part = begin; part < end; ++part) {
      const Span span = part_of(n, part, parts);
      if (span.begin < span.end) {
        fn(span);
      }
    }
  });
}

// C = A B for row-major A (M x K, leading dimension ld_a), B (K x N, ld_b) and C (M x N, ld_c), on the
// calling thread
void product(int64_t M, int64_t N, int64_t K, const float* A, int64_t ld_a, const float* B, int64_t ld_b, float* C,
             int64_t ld_c) {
  at::native::cpublas::brgemm(M, N, K, ld_a, ld_b, ld_c, /*add_C=*/false, A, B, C);
}

void product(int64_t M, int64_t N, int64_t K, const double* A, int64_t ld_a, const double* B, int64_t ld_b, double* C,
             int64_t ld_c) {  // no brgemm for double: at::mm, single-threaded inside a parallel region
  const auto options = at::TensorOptions().dtype(at::kDouble);
  Tensor out = at::from_blob(C, {M, N}, {ld_c, 1}, options);
  at::mm_out(out, at::from_blob(const_cast<double*>(A), {M, K}, {ld_a, 1}, options),
             at::from_blob(const_cast<double*>(B), {K, N}, {ld_b, 1}, options));
}

// out (H x N) = W (N x H)ᵀ, row-major, in 32 x 32 tiles, the rows of W split among the threads (3.6 ms for
// W_aa.t().contiguous() at H=650, 0.8 this way)
template <typename T>
void transpose(const T* W, int64_t N, int64_t H, T* out) {
  constexpr int64_t tile = 32;
  for_parts(N, [&](Span rows) {
    for (int64_t i0 = rows.begin; i0 < rows.end; i0 += tile) {
      for (int64_t j0 = 0; j0 < H; j0 += tile) {
        const int64_t i1 = std::min(i0 + tile, rows.end), j1 = std::min(j0 + tile, H);
        for (int64_t j = j0; j < j1; ++j) {
          for (int64_t i = i0; i < i1; ++i) {
            out[j * N + i] = W[i * H + j];
          }
        }
      }
    }
  });
}

template <typename T>
Gates<T> gates_of(const Tensor& p, int64_t H, Span units) {
  return {p.defined() ? p.data_ptr<T>() : nullptr, H, units.begin, units.end};
}

Tensor peephole_weights(const TensorList& extras) {
  return extras.empty() ? Tensor() : extras[0].contiguous();
}

Mask mask_of(const Tensor& mask, int64_t B) {
  return {mask.defined() ? mask.data_ptr<bool>() : nullptr, B};
}

}  // namespace

std::tuple<Tensor, TensorList, TensorList> forward(const Tensor& zx, const Tensor& W_aa, const TensorList& extras,
                                                   const TensorList& state0, const std::optional<Tensor>& mask,
                                                   int64_t /*option: one variant*/) {
  const int64_t T = zx.size(0), B = state0[0].size(0), H = state0[0].size(1);
  Tensor a_seq = zx.new_empty({T + 1, B, H});  // a<0..T>
  Tensor c_seq = zx.new_empty({T + 1, B, H});  // c<0..T>
  Tensor gates = zx.new_empty({T, B, 4 * H});  // activated [Γu, Γf, c~, Γo] of every step
  Tensor tanh_c = zx.new_empty({T, B, H});  // tanh(c<t>)
  a_seq[0].copy_(state0[0]);
  c_seq[0].copy_(state0[1]);
  const Tensor W_t = zx.new_empty({H, 4 * H}), p = peephole_weights(extras), m = mask ? mask->contiguous() : Tensor();
  const Tensor zx_rows = zx.contiguous();
  const Mask real = mask_of(m, B);
  AT_DISPATCH_FLOATING_TYPES(zx.scalar_type(), "lstm_loop_forward", [&] {
    scalar_t *A = a_seq.data_ptr<scalar_t>(), *C = c_seq.data_ptr<scalar_t>(), *G = gates.data_ptr<scalar_t>(),
             *TC = tanh_c.data_ptr<scalar_t>();
    const scalar_t* ZX = zx_rows.data_ptr<scalar_t>();
    scalar_t* WT = W_t.data_ptr<scalar_t>();
    transpose(W_aa.contiguous().data_ptr<scalar_t>(), 4 * H, H, WT);
    for (int64_t t = 0; t < T; ++t) {
      for_parts(4 * H, [&](Span columns) {  // a<t-1> W_aaᵀ (the pass adds zx<t>)
        product(B, columns.end - columns.begin, H, A + t * B * H, H, WT + columns.begin, 4 * H,
                G + t * B * 4 * H + columns.begin, 4 * H);
      });
      for_parts(H, [&](Span units) {
        const auto blocks = gates_of<scalar_t>(p, H, units);
        const int64_t n = units.end - units.begin;
        for (int64_t b = 0; b < B; ++b) {
          const int64_t row = t * B + b, next = row + B;  // row of step t in the (T, B, ·) buffers, of t+1 in a_seq, c_seq
          if (real(t, b)) {
            forward_row(G + row * 4 * H, ZX + row * 4 * H, C + row * H, C + next * H, TC + row * H, A + next * H, blocks);
          } else {  // padding: the state passes through
            std::copy_n(A + row * H + units.begin, n, A + next * H + units.begin);
            std::copy_n(C + row * H + units.begin, n, C + next * H + units.begin);
          }
        }
      });
    }
  });
  Tensor outputs = a_seq.slice(0, 1);
  if (m.defined()) {
    outputs = outputs * m;
  }
  return {outputs, {a_seq[T], c_seq[T]}, {a_seq, c_seq, gates, tanh_c}};
}

std::tuple<Tensor, Tensor, TensorList, TensorList> backward(const Tensor& grad_outputs, const TensorList& grad_final,
                                                            const TensorList& saved, const Tensor& W_aa,
                                                            const TensorList& extras,
                                                            const std::optional<Tensor>& mask, int64_t /*option*/) {
  const Tensor &a_seq = saved[0], &c_seq = saved[1], &gates = saved[2], &tanh_c = saved[3];
  const int64_t T = grad_outputs.size(0), B = grad_outputs.size(1), H = grad_outputs.size(2);
  const Tensor p = peephole_weights(extras), m = mask ? mask->contiguous() : Tensor();
  const Mask real = mask_of(m, B);
  const Tensor go_rows = grad_outputs.contiguous();
  Tensor d_z = at::empty_like(gates);
  Tensor d_a = grad_final[0].clone();  // da<t> of the step being run
  Tensor d_c = grad_final[1].clone();  // dc<t>, then dc<t-1>
  Tensor d_a_rec = at::empty_like(d_a);  // dz<t+1> W_aa: da<t> through the recurrence
  const Tensor W_rows = W_aa.contiguous();
  Tensor d_p = p.defined() ? at::zeros_like(p) : Tensor();
  AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "lstm_loop_backward", [&] {
    const scalar_t *G = gates.data_ptr<scalar_t>(), *TC = tanh_c.data_ptr<scalar_t>(), *C = c_seq.data_ptr<scalar_t>(),
                   *GO = go_rows.data_ptr<scalar_t>(), *W = W_rows.data_ptr<scalar_t>();
    scalar_t *DA = d_a.data_ptr<scalar_t>(), *DC = d_c.data_ptr<scalar_t>(), *DZ = d_z.data_ptr<scalar_t>(),
             *REC = d_a_rec.data_ptr<scalar_t>();
    for (int64_t t = T - 1; t >= 0; --t) {
      for_parts(H, [&](Span units) {
        const int64_t n = units.end - units.begin;
        if (t < T - 1) {  // this thread's units of dz<t+1> W_aa
          product(B, n, 4 * H, DZ + (t + 1) * B * 4 * H, 4 * H, W + units.begin, H, REC + units.begin, H);
        }
        auto blocks = gates_of<scalar_t>(p, H, units);
        blocks.d_p = d_p.defined() ? d_p.data_ptr<scalar_t>() : nullptr;
        for (int64_t b = 0; b < B; ++b) {
          const int64_t row = t * B + b;
          scalar_t* da = DA + b * H;
          // through the recurrence: dz<t+1> W_aa, or da<t+1> as padding at t+1 carried it (and at t = T-1 the final state's)
          const scalar_t* da_in = t < T - 1 && real(t + 1, b) ? REC + b * H : da;
          if (real(t, b)) {
            backward_row(da_in, GO + row * H, da, DC + b * H, G + row * 4 * H, TC + row * H, C + row * H,
                         DZ + row * 4 * H, blocks);
          } else {  // padding: no gradient reaches z<t>; da and dc pass through
            if (da_in != da) {
              std::copy_n(da_in + units.begin, n, da + units.begin);
            }
            for (int64_t gate = 0; gate < 4; ++gate) {
              std::fill_n(DZ + row * 4 * H + gate * H + units.begin, n, scalar_t(0));
            }
          }
        }
      });
    }
    for_parts(H, [&](Span units) {  // da<0> through the recurrence: dz<0> W_aa
      product(B, units.end - units.begin, 4 * H, DZ, 4 * H, W + units.begin, H, REC + units.begin, H);
    });
  });
  Tensor d_a0 = m.defined() ? at::where(m[0], d_a_rec, d_a) : d_a_rec;
  Tensor d_W_aa = at::mm(d_z.view({T * B, 4 * H}).t(), a_seq.slice(0, 0, T).reshape({T * B, H}));
  TensorList d_extras;
  if (p.defined()) {  // dp_· = Σ_t,b dz_· c<t-1> for · in u, f, o, summed by the passes
    d_extras.push_back(d_p);
  }
  return {d_z, d_W_aa, d_extras, {d_a0, d_c}};
}

PYBIND11_MODULE(TORCH_EXTENSION_NAME, module) {
  module.def("forward", &forward, "The LSTM time loop (kernel_lstm.forward)");
  module.def("backward", &backward, "Its backward (kernel_lstm.backward)");
}
