/*
 * Shared memory for the ddp `shm` transport: a Node-API addon in plain C (Node-API is ABI-stable, so one build
 * serves every Node version >= 16; no node-gyp, no C++).
 *
 *   create(path, bytes) -> ArrayBuffer   new file (O_EXCL, mode 0600), pages reserved with posix_fallocate BEFORE
 *                                        mmap (a full tmpfs is a clean ENOSPC now, never a SIGBUS later), mapped
 *                                        MAP_SHARED; the file is unlinked again when anything fails
 *   open(path, bytes) -> ArrayBuffer     maps an existing file of at least `bytes` bytes
 *   unlink(path)                         removes the file (mappings stay valid)
 *   unmap(arrayBuffer)                   detaches the buffer; the mapping is released by its finalizer
 *   reduce(op, divisor, targets, sources)
 *                                        Float32Arrays of one length: v = ((s0 op s1) op s2) ...; v /= divisor when
 *                                        divisor != 1; v is written to every target (targets may alias sources)
 *
 * Errors are thrown as JS errors `<call> <path>: <strerror> (<ERRNO>)` with `code` set to the errno name.
 * Built by scripts/build-native.mjs; without node_api.h it declares the few Node-API functions itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SHM_NO_NAPI_HEADER
#define NAPI_VERSION 8
#include <node_api.h>
#else
/* The subset of Node-API used below, as declared by node_api.h / js_native_api.h (stable ABI). */
typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status;
#define napi_ok 0
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);
typedef void (*napi_finalize)(napi_env env, void *data, void *hint);
typedef enum { napi_float32_array = 7 } napi_typedarray_type;
extern napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t *, napi_value *, napi_value *, void **);
extern napi_status napi_get_value_string_utf8(napi_env, napi_value, char *, size_t, size_t *);
extern napi_status napi_get_value_double(napi_env, napi_value, double *);
extern napi_status napi_get_value_int32(napi_env, napi_value, int32_t *);
extern napi_status napi_create_external_arraybuffer(napi_env, void *, size_t, napi_finalize, void *, napi_value *);
extern napi_status napi_detach_arraybuffer(napi_env, napi_value);
extern napi_status napi_get_array_length(napi_env, napi_value, uint32_t *);
extern napi_status napi_get_element(napi_env, napi_value, uint32_t, napi_value *);
extern napi_status napi_get_typedarray_info(napi_env, napi_value, napi_typedarray_type *, size_t *, void **, napi_value *, size_t *);
extern napi_status napi_throw_error(napi_env, const char *, const char *);
extern napi_status napi_throw_type_error(napi_env, const char *, const char *);
extern napi_status napi_get_undefined(napi_env, napi_value *);
extern napi_status napi_create_function(napi_env, const char *, size_t, napi_callback, void *, napi_value *);
extern napi_status napi_set_named_property(napi_env, napi_value, const char *, napi_value);
#define NAPI_AUTO_LENGTH SIZE_MAX
#endif

#define MAX_ARRAYS 64

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* errno names (strerrorname_np needs glibc 2.32; Ubuntu 20.04 has 2.31). */
static const char *errno_name(int err, char *buf, size_t cap) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOSPC: return "ENOSPC";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EROFS: return "EROFS";
    case EFBIG: return "EFBIG";
    case ENODEV: return "ENODEV";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: snprintf(buf, cap, "E%d", err); return buf;
  }
}

static napi_value throw_errno(napi_env env, const char *call, const char *path, int err) {
  char msg[4700];
  char num[16];
  const char *name = errno_name(err, num, sizeof num);
  snprintf(msg, sizeof msg, "%s %s: %s (%s)", call, path, strerror(err), name);
  napi_throw_error(env, name, msg);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

/* Reads (path, bytes) arguments; returns 0 and throws on bad input. */
static int path_and_size(napi_env env, napi_callback_info info, char *path, size_t path_cap, size_t *bytes) {
  size_t argc = 2;
  napi_value argv[2];
  double size;
  size_t len;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return throw_type(env, "expected (path, bytes)"), 0;
  if (napi_get_value_string_utf8(env, argv[0], path, path_cap, &len) != napi_ok || len + 1 >= path_cap) return throw_type(env, "path: expected a string shorter than 4096 bytes"), 0;
  if (napi_get_value_double(env, argv[1], &size) != napi_ok || !(size > 0) || size != floor(size) || size > 9007199254740991.0) return throw_type(env, "bytes: expected a positive integer"), 0;
  *bytes = (size_t)size;
  return 1;
}

static void finalize_mapping(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

static napi_value map_fd(napi_env env, int fd, size_t bytes, const char *path, int unlink_on_error) {
  void *addr = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
  int err = errno;
  close(fd);
  if (addr == MAP_FAILED) {
    if (unlink_on_error) unlink(path);
    return throw_errno(env, "mmap", path, err);
  }
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, addr, bytes, finalize_mapping, (void *)(uintptr_t)bytes, &buffer) != napi_ok) {
    munmap(addr, bytes);
    if (unlink_on_error) unlink(path);
    napi_throw_error(env, "ERR_SHM_EXTERNAL", "napi_create_external_arraybuffer failed (external buffers not allowed in this runtime?)");
    return NULL;
  }
  return buffer;
}

static napi_value js_create(napi_env env, napi_callback_info info) {
  char path[4096];
  size_t bytes;
  if (!path_and_size(env, info, path, sizeof path, &bytes)) return NULL;
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return throw_errno(env, "open", path, errno);
  int err = posix_fallocate(fd, 0, (off_t)bytes); /* returns the error; does not set errno */
  if (err != 0) {
    close(fd);
    unlink(path);
    return throw_errno(env, "posix_fallocate", path, err);
  }
  return map_fd(env, fd, bytes, path, 1);
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  char path[4096];
  size_t bytes;
  struct stat st;
  if (!path_and_size(env, info, path, sizeof path, &bytes)) return NULL;
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open", path, errno);
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "fstat", path, e);
  }
  if ((size_t)st.st_size < bytes) {
    close(fd);
    return throw_errno(env, "open (file shorter than expected)", path, EINVAL);
  }
  return map_fd(env, fd, bytes, path, 0);
}

static napi_value js_unlink(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  size_t len;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return throw_type(env, "expected (path)");
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len + 1 >= sizeof path) return throw_type(env, "path: expected a string");
  if (unlink(path) != 0 && errno != ENOENT) return throw_errno(env, "unlink", path, errno);
  return undefined(env);
}

static napi_value js_unmap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return throw_type(env, "expected (arrayBuffer)");
  if (napi_detach_arraybuffer(env, argv[0]) != napi_ok) return throw_type(env, "expected a detachable ArrayBuffer");
  return undefined(env);
}

/* Math.max / Math.min semantics: NaN wins, +0 > -0. */
static inline float max_js(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a > b) return a;
  if (b > a) return b;
  return signbit(a) ? b : a;
}
static inline float min_js(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a < b) return a;
  if (b < a) return b;
  return signbit(a) ? a : b;
}

/* Reads an array of Float32Arrays of length `length` (or sets it from the first); returns the count or -1. */
static int f32_list(napi_env env, napi_value list, float **out, size_t *length) {
  uint32_t n;
  if (napi_get_array_length(env, list, &n) != napi_ok || n == 0 || n > MAX_ARRAYS) return -1;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    napi_typedarray_type type;
    size_t len;
    void *data;
    if (napi_get_element(env, list, i, &v) != napi_ok) return -1;
    if (napi_get_typedarray_info(env, v, &type, &len, &data, NULL, NULL) != napi_ok || type != napi_float32_array) return -1;
    if (*length == (size_t)-1) *length = len;
    if (len != *length) return -1;
    out[i] = (float *)data;
  }
  return (int)n;
}

#define BLOCK 2048

static napi_value js_reduce(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t op;
  double divisor;
  float *targets[MAX_ARRAYS];
  float *sources[MAX_ARRAYS];
  size_t n = (size_t)-1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) return throw_type(env, "expected (op, divisor, targets, sources)");
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || op < 0 || op > 2) return throw_type(env, "op: expected 0 (sum), 1 (max) or 2 (min)");
  if (napi_get_value_double(env, argv[1], &divisor) != napi_ok) return throw_type(env, "divisor: expected a number");
  int ns = f32_list(env, argv[3], sources, &n);
  int nt = ns < 0 ? -1 : f32_list(env, argv[2], targets, &n);
  if (ns < 0 || nt < 0) return throw_type(env, "targets, sources: expected non-empty arrays of Float32Arrays of one length");
  const float div = (float)divisor;
  float acc[BLOCK];
  for (size_t base = 0; base < n; base += BLOCK) {
    const size_t m = n - base < BLOCK ? n - base : BLOCK;
    memcpy(acc, sources[0] + base, m * sizeof(float));
    for (int k = 1; k < ns; k++) {
      const float *restrict s = sources[k] + base;
      if (op == 0) for (size_t i = 0; i < m; i++) acc[i] += s[i];
      else if (op == 1) for (size_t i = 0; i < m; i++) acc[i] = max_js(acc[i], s[i]);
      else for (size_t i = 0; i < m; i++) acc[i] = min_js(acc[i], s[i]);
    }
    if (divisor != 1) for (size_t i = 0; i < m; i++) acc[i] /= div;
    for (int t = 0; t < nt; t++) memcpy(targets[t] + base, acc, m * sizeof(float));
  }
  return undefined(env);
}

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

#ifndef SHM_NO_NAPI_HEADER
NAPI_MODULE_INIT() {
#else
__attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env env, napi_value exports) {
#endif
  export_fn(env, exports, "create", js_create);
  export_fn(env, exports, "open", js_open);
  export_fn(env, exports, "unlink", js_unlink);
  export_fn(env, exports, "unmap", js_unmap);
  export_fn(env, exports, "reduce", js_reduce);
  return exports;
}
