"""Foundation helpers every layer may use: number and parameter checks (``validation``), the
byte-bounded LRU map (``lru``), deep copies that share clients (``copies``), output-path
checks (``files``) and unknown-keyword checks (``arguments``). They import nothing from the
rest of the package but ``errors``."""
