// The native twin of kernel_lstm.py, with the input projection folded in, compiled at run time by
// seqmodels/nn/backends/native.py when a C++ compiler is found:
//   forward(x, W_ax, b, W_aa, extras, state0, mask, option) -> (outputs, final state, saved)
//   backward(grad_outputs, grad_final, saved, W_ax, W_aa, extras, mask, option)
//       -> (dx, dW_ax, db, dW_aa, d_extras, d_state0)
// i.e. kernel_lstm.forward on zx = x W_axᵀ + b and its backward followed by dx = dzx W_ax, dW_ax = dzxᵀ x,
// db = Σ dzx (the same math; the arguments of the kernel interface in kernel_rnn.py plus x, W_ax, b).
//
// Products: X W_axᵀ for all T*B rows at once, then per time step a<t-1> W_aaᵀ added to it; in the backward
// dz<t+1> W_aa per step, and dx, dW_ax, dW_aa as one product each over all T*B rows. All run oneDNN's brgemm
// micro-kernel (float; ATen's cpublas::brgemm, which falls back to BLAS where oneDNN has none) on tiles of
// row-major operands, the tiles split among ATen's threads; float64 runs at::mm on the same tiles. Measured
// on a 2-core AMD EPYC (AVX-512), against at::mm (MKL): a<t-1> W_aaᵀ at B=20, H=650 0.31 ms vs 0.60; dW_ax
// = dzxᵀ x at T*B=700, I=650, H=650 11.2 ms vs 16.0 (with dzxᵀ written out first, as here).
// Element-wise work: per step ONE pass over the B x H units that adds b, activates the gates and writes c<t>,
// tanh(c<t>) and a<t>; backward, one pass that turns da<t>, dc<t> into dz<t> and dc<t-1> (and sums the
// peephole weights' gradient). Each thread runs its block of units of every row. Padding (mask False)
// carries a row's state through unchanged, as in kernel_lstm.py.
// Gate rows: [Γu, Γf, c~, Γo]; extras is [] or [W_peephole] = [[p_u, p_f, p_o]].

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/cpu/vec/vec.h>
#include <ATen/native/CPUBlas.h>
#include <torch/python.h>

#include <array>
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

// Forward of one row's units [begin, end): z (4H) holds x<t> W_axᵀ + a<t-1> W_aaᵀ on entry and the activated
// gates on exit; with the bias b (4H),
//   z_· = b_· + (x<t> W_axᵀ + a<t-1> W_aaᵀ)_· (+ p_· c<t-1>)
//   Γu, Γf, Γo = σ(z_·),  c~ = tanh(z_c),  c<t> = Γf c<t-1> + Γu c~,  a<t> = Γo tanh(c<t>)
template <typename T>
void forward_row(T* z, const T* b, const T* c_prev, T* c, T* tanh_c, T* a, Gates<T> gates) {
  using V = at::vec::Vectorized<T>;
  const int64_t H = gates.H;
  for (int64_t j = gates.begin; j < gates.end; j += V::size()) {
    const Chunk<T> k{std::min<int64_t>(V::size(), gates.end - j)};
    const V cp = k.load(c_prev + j);
    V z_u = k.load(b + j) + k.load(z + j), z_f = k.load(b + H + j) + k.load(z + H + j),
      z_o = k.load(b + 3 * H + j) + k.load(z + 3 * H + j);
    if (gates.p) {
      z_u = z_u + k.load(gates.p + j) * cp;  // + p_u * c<t-1>
      z_f = z_f + k.load(gates.p + H + j) * cp;  // + p_f * c<t-1>
      z_o = z_o + k.load(gates.p + 2 * H + j) * cp;  // + p_o * c<t-1>
    }
    const V g_u = sigmoid(z_u), g_f = sigmoid(z_f), c_tilde = tanh_by_exp(k.load(b + 2 * H + j) + k.load(z + 2 * H + j)),
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
  int64_t size() const { return end - begin; }
};

Span part_of(int64_t n, int64_t part, int64_t parts) {
  const auto cut = [&](int64_t p) { return p == parts ? n : n * p / parts / 16 * 16; };
  return {cut(part), cut(part + 1)};
}

// fn(part, parts) on every ATen thread at once, part = 0..parts-1
template <typename F>
void on_threads(const F& fn) {
  const int64_t parts = at::get_num_threads();
  at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
    const at::NoGradGuard no_grad;  // a worker thread does not inherit the caller's grad mode
    for (int64_t part = begin; part < end; ++part) {
      fn(part, parts);
    }
  });
}

// fn(span) for one span of [0, n) per ATen thread, all running at once
template <typename F>
void for_parts(int64_t n, const F& fn) {
  on_threads([&](int64_t part, int64_t parts) {
    const Span span = part_of(n, part, parts);
    if (span.size() > 0) {
      fn(span);
    }
  });
}

// A row-major matrix: element (i, j) at data[i * ld + j]
template <typename T>
struct Matrix {
  T* data;
  int64_t rows, cols, ld;

  T* at(int64_t i, int64_t j) const { return data + i * ld + j; }
};

template <typename T>
Matrix<const T> in(const Tensor& t) {  // a contiguous 2-d tensor, read
  return {t.data_ptr<T>(), t.size(0), t.size(1), t.size(1)};
}

template <typename T>
Matrix<T> out(const Tensor& t) {  // a contiguous 2-d tensor, written
  return {t.data_ptr<T>(), t.size(0), t.size(1), t.size(1)};
}

// Tile sizes of the products: rows, columns, and the depth of one brgemm call (chosen among (32..64) x
// (128..1024) x (128..all) by timing dW_ax, dx and zx at the three shapes of benchmarks/recurrent.py)
constexpr int64_t TILE_ROWS = 48, TILE_COLS = 256, TILE_DEPTH = 512;

// C[rows, cols] (+)= A[rows, :] B[:, cols] on the calling thread: oneDNN's brgemm, TILE_DEPTH of the inner
// dimension per call
void tile_product(const Matrix<const float>& A, const Matrix<const float>& B, const Matrix<float>& C, Span rows,
                  Span cols, bool accumulate) {
  for (int64_t k = 0; k < A.cols; k += TILE_DEPTH) {
    at::native::cpublas::brgemm(rows.size(), cols.size(), std::min(TILE_DEPTH, A.cols - k), A.ld, B.ld, C.ld,
                                accumulate || k > 0, A.at(rows.begin, k), B.at(k, cols.begin),
                                C.at(rows.begin, cols.begin));
  }
}

// the same for double, which brgemm lacks: at::mm (single-threaded inside a parallel region)
void tile_product(const Matrix<const double>& A, const Matrix<const double>& B, const Matrix<double>& C, Span rows,
                  Span cols, bool accumulate) {
  const auto view = [](auto M, Span r, Span c) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(M.data)>>;
    return at::from_blob(const_cast<T*>(M.at(r.begin, c.begin)), {r.size(), c.size()}, {M.ld, 1},
                         at::TensorOptions().dtype(at::kDouble));
  };
  Tensor out = view(C, rows, cols);
  const Tensor a = view(A, rows, {0, A.cols}), b = view(B, {0, B.rows}, cols);
  accumulate ? out.addmm_(a, b) : at::mm_out(out, a, b);
}

// C (+)= A B, columns `cols` of C only, on the calling thread, tile by tile
template <typename T>
void product_columns(const Matrix<const T>& A, const Matrix<const T>& B, const Matrix<T>& C, Span cols,
                     bool accumulate) {
  for (int64_t i = 0; i < C.rows; i += TILE_ROWS) {
    tile_product(A, B, C, {i, std::min(i + TILE_ROWS, C.rows)}, cols, accumulate);
  }
}

// C = A B on all threads, its tiles dealt out in turn
template <typename T>
void product(const Matrix<const T>& A, const Matrix<const T>& B, const Matrix<T>& C) {
  const int64_t row_tiles = (C.rows + TILE_ROWS - 1) / TILE_ROWS, col_tiles = (C.cols + TILE_COLS - 1) / TILE_COLS;
  on_threads([&](int64_t part, int64_t parts) {
    for (int64_t tile = part; tile < row_tiles * col_tiles; tile += parts) {
      const int64_t i = tile / col_tiles * TILE_ROWS, j = tile % col_tiles * TILE_COLS;
      tile_product(A, B, C, {i, std::min(i + TILE_ROWS, C.rows)}, {j, std::min(j + TILE_COLS, C.cols)}, false);
    }
  });
}

// Memory the calling thread keeps between calls for a transposed operand (slot: which one), grown as needed:
// written in scattered order, a fresh tensor of a few MB took longer in page faults than in the transposition
// (7 ms for W_axᵀ and W_aaᵀ at H=650)
enum Slot { W_AX_T, W_AA_T, D_Z_T, SLOTS };

template <typename T>
T* workspace(Slot slot, int64_t size) {
  thread_local std::array<Tensor, SLOTS> buffers;
  Tensor& buffer = buffers[slot];
  const auto dtype = c10::CppTypeToScalarType<T>::value;
  if (!buffer.defined() || buffer.numel() < size || buffer.scalar_type() != dtype) {
    buffer = at::empty({size}, at::TensorOptions().dtype(dtype));
  }
  return buffer.data_ptr<T>();
}

// Wᵀ of a row-major (N x H) W, written row-major (H x N) into `slot`: 16 x 16 tiles through a local buffer,
// the rows of Wᵀ split among the threads (3.6 ms for W_aa.t().contiguous() at H=650, 0.4 this way)
template <typename T>
Matrix<const T> transposed(const Tensor& W_tensor, Slot slot) {
  const Tensor W_rows = W_tensor.contiguous();
  const int64_t N = W_rows.size(0), H = W_rows.size(1);
  const T* W = W_rows.data_ptr<T>();
  T* out = workspace<T>(slot, H * N);
  constexpr int64_t tile = 16;
  for_parts(H, [&](Span rows) {
    T block[tile][tile];
    for (int64_t j0 = rows.begin; j0 < rows.end; j0 += tile) {
      for (int64_t i0 = 0; i0 < N; i0 += tile) {
        const int64_t nj = std::min(tile, rows.end - j0), ni = std::min(tile, N - i0);
        for (int64_t i = 0; i < ni; ++i) {
          std::copy_n(W + (i0 + i) * H + j0, nj, block[i]);
        }
        for (int64_t j = 0; j < nj; ++j) {
          for (int64_t i = 0; i < ni; ++i) {
            out[(j0 + j) * N + i0 + i] = block[i][j];
          }
        }
      }
    }
  });
  return {out, H, N, N};
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

std::tuple<Tensor, TensorList, TensorList> forward(const Tensor& x, const Tensor& W_ax, const Tensor& b,
                                                   const Tensor& W_aa, const TensorList& extras,
                                                   const TensorList& state0, const std::optional<Tensor>& mask,
                                                   int64_t /*option: one variant*/) {
  const int64_t T = x.size(0), B = state0[0].size(0), H = state0[0].size(1), I = x.size(2);
  const Tensor x_rows = x.contiguous().view({T * B, I});
  Tensor a_seq = x.new_empty({T + 1, B, H});  // a<0..T>
  Tensor c_seq = x.new_empty({T + 1, B, H});  // c<0..T>
  Tensor gates = x.new_empty({T, B, 4 * H});  // x<t> W_axᵀ + a<t-1> W_aaᵀ, then the activated [Γu, Γf, c~, Γo]
  Tensor tanh_c = x.new_empty({T, B, H});  // tanh(c<t>)
  a_seq[0].copy_(state0[0]);
  c_seq[0].copy_(state0[1]);
  const Tensor p = peephole_weights(extras), m = mask ? mask->contiguous() : Tensor(), bias = b.contiguous();
  const Mask real = mask_of(m, B);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lstm_loop_forward", [&] {
    using T_ = scalar_t;
    const Matrix<const T_> W_ax_t = transposed<T_>(W_ax, W_AX_T), rec = transposed<T_>(W_aa, W_AA_T);
    const Matrix<const T_> A_all = in<T_>(a_seq.view({(T + 1) * B, H}));
    const Matrix<T_> Z = out<T_>(gates.view({T * B, 4 * H}));
    product<T_>(in<T_>(x_rows), W_ax_t, Z);  // x<t> W_axᵀ for every step
    T_ *A = a_seq.data_ptr<T_>(), *C = c_seq.data_ptr<T_>(), *G = gates.data_ptr<T_>(), *TC = tanh_c.data_ptr<T_>();
    const T_* bias_ = bias.data_ptr<T_>();
    for (int64_t t = 0; t < T; ++t) {
      const Matrix<const T_> a_prev{A_all.at(t * B, 0), B, H, H};
      const Matrix<T_> z{Z.at(t * B, 0), B, 4 * H, 4 * H};
      for_parts(4 * H, [&](Span columns) { product_columns(a_prev, rec, z, columns, true); });  // + a<t-1> W_aaᵀ
      for_parts(H, [&](Span units) {
        const auto blocks = gates_of<T_>(p, H, units);
        for (int64_t row_b = 0; row_b < B; ++row_b) {
          const int64_t row = t * B + row_b, next = row + B;  // row of step t in the (T, B, ·) buffers, of t+1 in a_seq, c_seq
          if (real(t, row_b)) {
            forward_row(G + row * 4 * H, bias_, C + row * H, C + next * H, TC + row * H, A + next * H, blocks);
          } else {  // padding: the state passes through
            std::copy_n(A + row * H + units.begin, units.size(), A + next * H + units.begin);
            std::copy_n(C + row * H + units.begin, units.size(), C + next * H + units.begin);
          }
        }
      });
    }
  });
  Tensor outputs = a_seq.slice(0, 1);
  if (m.defined()) {
    outputs = outputs * m;
  }
  return {outputs, {a_seq[T], c_seq[T]}, {a_seq, c_seq, gates, tanh_c, x_rows}};
}

std::tuple<Tensor, Tensor, Tensor, Tensor, TensorList, TensorList> backward(
    const Tensor& grad_outputs, const TensorList& grad_final, const TensorList& saved, const Tensor& W_ax,
    const Tensor& W_aa, const TensorList& extras, const std::optional<Tensor>& mask, int64_t /*option*/) {
  const Tensor &a_seq = saved[0], &c_seq = saved[1], &gates = saved[2], &tanh_c = saved[3], &x_rows = saved[4];
  const int64_t T = grad_outputs.size(0), B = grad_outputs.size(1), H = grad_outputs.size(2), I = x_rows.size(1);
  const Tensor p = peephole_weights(extras), m = mask ? mask->contiguous() : Tensor();
  const Mask real = mask_of(m, B);
  const Tensor go_rows = grad_outputs.contiguous(), W_ax_rows = W_ax.contiguous(), W_rows = W_aa.contiguous();
  Tensor d_z = at::empty_like(gates);
  Tensor d_a = grad_final[0].clone();  // da<t> of the step being run
  Tensor d_c = grad_final[1].clone();  // dc<t>, then dc<t-1>
  Tensor d_a_rec = at::empty_like(d_a);  // dz<t+1> W_aa: da<t> through the recurrence
  Tensor d_p = p.defined() ? at::zeros_like(p) : Tensor();
  Tensor d_x = x_rows.new_empty({T * B, I}), d_W_ax = at::empty_like(W_ax_rows), d_W_aa = at::empty_like(W_rows);
  AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "lstm_loop_backward", [&] {
    using T_ = scalar_t;
    const T_ *G = gates.data_ptr<T_>(), *TC = tanh_c.data_ptr<T_>(), *C = c_seq.data_ptr<T_>(), *GO = go_rows.data_ptr<T_>();
    T_ *DA = d_a.data_ptr<T_>(), *DC = d_c.data_ptr<T_>(), *DZ = d_z.data_ptr<T_>(), *REC = d_a_rec.data_ptr<T_>();
    const Matrix<const T_> W = in<T_>(W_rows), DZ_all = in<T_>(d_z.view({T * B, 4 * H}));
    const Matrix<T_> d_rec = out<T_>(d_a_rec);
    for (int64_t t = T - 1; t >= 0; --t) {
      for_parts(H, [&](Span units) {
        if (t < T - 1) {  // this thread's units of dz<t+1> W_aa
          product_columns(Matrix<const T_>{DZ_all.at((t + 1) * B, 0), B, 4 * H, 4 * H}, W, d_rec, units, false);
        }
        auto blocks = gates_of<T_>(p, H, units);
        blocks.d_p = d_p.defined() ? d_p.data_ptr<T_>() : nullptr;
        for (int64_t row_b = 0; row_b < B; ++row_b) {
          const int64_t row = t * B + row_b;
          T_* da = DA + row_b * H;
          // through the recurrence: dz<t+1> W_aa, or da<t+1> as padding at t+1 carried it (and at t = T-1 the final state's)
          const T_* da_in = t < T - 1 && real(t + 1, row_b) ? REC + row_b * H : da;
          if (real(t, row_b)) {
            backward_row(da_in, GO + row * H, da, DC + row_b * H, G + row * 4 * H, TC + row * H, C + row * H,
                         DZ + row * 4 * H, blocks);
          } else {  // padding: no gradient reaches z<t>; da and dc pass through
            if (da_in != da) {
              std::copy_n(da_in + units.begin, units.size(), da + units.begin);
            }
            for (int64_t gate = 0; gate < 4; ++gate) {
              std::fill_n(DZ + row * 4 * H + gate * H + units.begin, units.size(), T_(0));
            }
          }
        }
      });
    }
    for_parts(H, [&](Span units) {  // da<0> through the recurrence: dz<0> W_aa
      product_columns(Matrix<const T_>{DZ_all.at(0, 0), B, 4 * H, 4 * H}, W, d_rec, units, false);
    });
    const Matrix<const T_> DZ_t = transposed<T_>(d_z.view({T * B, 4 * H}), D_Z_T);  // dzᵀ (4H x T*B)
    product<T_>(DZ_all, in<T_>(W_ax_rows), out<T_>(d_x));  // dx = dz W_ax
    product<T_>(DZ_t, in<T_>(x_rows), out<T_>(d_W_ax));  // dW_ax = Σ_t dz<t>ᵀ x<t>
    product<T_>(DZ_t, in<T_>(a_seq.slice(0, 0, T).view({T * B, H})), out<T_>(d_W_aa));  // dW_aa = Σ_t dz<t>ᵀ a<t-1>
  });
  Tensor d_a0 = m.defined() ? at::where(m[0], d_a_rec, d_a) : d_a_rec;
  TensorList d_extras;
  if (p.defined()) {  // dp_· = Σ_t,b dz_· c<t-1> for · in u, f, o, summed by the passes
    d_extras.push_back(d_p);
  }
  return {d_x.view({T, B, I}), d_W_ax, d_z.view({T * B, 4 * H}).sum(0), d_W_aa, d_extras, {d_a0, d_c}};
}

PYBIND11_MODULE(TORCH_EXTENSION_NAME, module) {
  module.def("forward", &forward, "The LSTM time loop with its input projection");
  module.def("backward", &backward, "Its backward");
}
