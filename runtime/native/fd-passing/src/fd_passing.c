/*
 * sendWithFds(socketFd, data, fds): one sendmsg(2) with SCM_RIGHTS, non-blocking, for qapi-ts's
 * QMP client. Node's sockets cannot attach ancillary data; this is the one call they lack. The
 * socket stays Node's: the caller writes through it only when Node has nothing queued, so the
 * bytes keep their order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: SIGPIPE is ignored by Node anyway */
#endif

/* QEMU's character devices accept at most 16 descriptors per message (TCP_MAX_FDS). */
#define MAX_FDS 16

static napi_value throw_errno(napi_env env, int err) {
  const char *code = NULL;
  switch (err) {
  case EPIPE: code = "EPIPE"; break;
  case EBADF: code = "EBADF"; break;
  case ENOTSOCK: code = "ENOTSOCK"; break;
  case ECONNRESET: code = "ECONNRESET"; break;
  case ENOTCONN: code = "ENOTCONN"; break;
  case EINVAL: code = "EINVAL"; break;
  case ENOBUFS: code = "ENOBUFS"; break;
  case ENOMEM: code = "ENOMEM"; break;
  case ETOOMANYREFS: code = "ETOOMANYREFS"; break;
  default: code = "EIO"; break;
  }
  napi_throw_error(env, code, strerror(err));
  return NULL;
}

static napi_value send_with_fds(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) {
    napi_throw_type_error(env, NULL, "sendWithFds(socketFd, data, fds) takes three arguments");
    return NULL;
  }
  int32_t sock;
  if (napi_get_value_int32(env, argv[0], &sock) != napi_ok || sock < 0) {
    napi_throw_type_error(env, NULL, "socketFd must be a descriptor number");
    return NULL;
  }
  void *data = NULL;
  size_t length = 0;
  bool is_typed = false;
  napi_is_typedarray(env, argv[1], &is_typed);
  if (is_typed) {
    napi_typedarray_type type;
    napi_value buffer;
    size_t offset;
    napi_get_typedarray_info(env, argv[1], &type, &length, &data, &buffer, &offset);
    if (type != napi_uint8_array) is_typed = false;
  }
  if (!is_typed || length == 0) {
    napi_throw_type_error(env, NULL, "data must be a non-empty Uint8Array");
    return NULL;
  }
  bool is_array = false;
  uint32_t count = 0;
  napi_is_array(env, argv[2], &is_array);
  if (is_array) napi_get_array_length(env, argv[2], &count);
  if (!is_array || count == 0 || count > MAX_FDS) {
    napi_throw_range_error(env, NULL, "fds must be an array of 1 to 16 descriptors");
    return NULL;
  }
  int fds[MAX_FDS];
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    napi_get_element(env, argv[2], i, &item);
    if (napi_get_value_int32(env, item, &fds[i]) != napi_ok || fds[i] < 0) {
      napi_throw_type_error(env, NULL, "each of fds must be a descriptor number");
      return NULL;
    }
  }

  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {.iov_base = data, .iov_len = length};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * count);
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int) * count);
  memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * count);

  ssize_t sent;
  do {
    sent = sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) sent = -1;
    else return throw_errno(env, errno);
  }
  napi_value result;
  napi_create_int64(env, (int64_t)sent, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "sendWithFds", NAPI_AUTO_LENGTH, send_with_fds, NULL, &fn);
  napi_set_named_property(env, exports, "sendWithFds", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
