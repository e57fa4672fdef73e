"""Defaults of ``routellm serve``, shared by the command line and the Python API (this module
imports nothing, so the command's parser stays fast)."""

#: RouteLLM's own server listens on 6060 too
PORT = 6060
HOST = "127.0.0.1"
#: seconds a request (or, streaming, each next chunk) may take before the client gets 504
TIMEOUT = 600.0
#: larger request bodies get 413
MAX_REQUEST_BYTES = 4 * 1024 * 1024
#: seconds open requests get to finish on SIGINT/SIGTERM
GRACEFUL_TIMEOUT = 30
#: environment variable holding the bearer key clients must send
API_KEY_ENV = "ROUTELLM_SERVER_API_KEY"
