{
  "targets": [
    {
      "target_name": "fd_passing",
      "sources": ["src/fd_passing.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
