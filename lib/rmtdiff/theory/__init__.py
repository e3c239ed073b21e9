"""Theory: the random-matrix laws of the book. The renormalised noise kappa and the spectral
density, the split-to-split fluctuations of the denoiser and of the sampling map, the law of
mismatched splits, and their non-Gaussian closures. Imports only :mod:`rmtdiff.core` and
:mod:`rmtdiff.util` (never networks, never data loading)."""
