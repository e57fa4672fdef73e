"""Foundation helpers every layer may use: number and parameter checks (``validation``), the
byte-bounded LRU map (``lru``) and output-path checks (``files``). They import nothing from the
rest of the package but ``errors``."""
