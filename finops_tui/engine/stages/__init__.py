"""The kernel's stages, each a pure function over arrays with the batch first."""
