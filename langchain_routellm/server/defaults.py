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
#: seconds a client may take to send a request's line and headers, and again its body
READ_TIMEOUT = 15.0
#: seconds an idle keep-alive connection stays open
KEEP_ALIVE_TIMEOUT = 5.0
#: open connections + requests at once; more get 503 at once (uvicorn's limit_concurrency)
MAX_CONCURRENCY = 512
#: bytes of a request's line and headers
MAX_HEADER_BYTES = 64 * 1024
#: messages in one request
MAX_MESSAGES = 1000
#: content parts (text, image, ...) in all the messages of one request
MAX_CONTENT_PARTS = 1000
#: nesting depth of objects and arrays in a request body
MAX_NESTING = 64
