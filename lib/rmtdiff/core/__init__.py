"""Core: Gaussian models in eigen-form, the linear (Gaussian) denoiser and its exact sampling
map, the EDM schedule and Heun sampler, and distances between samples. Imports only
:mod:`rmtdiff.util`."""
