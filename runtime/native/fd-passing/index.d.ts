/**
 * Sends `data` on the connected Unix stream socket `socketFd` with `fds` attached (SCM_RIGHTS),
 * without blocking. Returns the number of bytes the kernel took (the descriptors travel with the
 * first of them), or -1 when the socket's buffer is full (EAGAIN): nothing was sent, try later.
 * Other failures throw an Error whose `code` is the errno name (EPIPE, EBADF, ENOTSOCK, ...).
 * The caller keeps its descriptors: the receiver gets duplicates.
 */
export function sendWithFds(socketFd: number, data: Uint8Array, fds: readonly number[]): number;
