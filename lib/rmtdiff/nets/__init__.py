"""Networks: the UNet and the DiT, EDM training with exact resume, distributed training and the
content-addressed run store. The only layer that imports torch at module level; imports
:mod:`rmtdiff.core` and :mod:`rmtdiff.util`."""
