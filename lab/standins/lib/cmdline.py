"""The command line a Python stand-in shows in ps and /proc/PID/cmdline: the real program's.

A stand-in started as `/usr/bin/kubelet ARGS` runs as `/usr/bin/python3 /usr/bin/kubelet ARGS`
(the kernel's #! handling), and after re-exec'ing itself so that comm reads "kubelet" as
`/usr/bin/kubelet /usr/bin/kubelet ARGS` (argv[0], then the script python runs). Tools that find a
program by its command line (kube-bench's `ps -C kubelet -o cmd`, `ps -ef | grep -- --flag=`,
anything splitting /proc/PID/cmdline) would see an extra first word.

/proc/PID/cmdline is the memory between the process's arg_start and arg_end. prctl(PR_SET_MM,
PR_SET_MM_MAP) sets those bounds (with the rest of the memory map, unchanged); it is the call CRIU
restores processes with and needs no capability as long as /proc/PID/exe is left alone
(kernel/sys.c prctl_set_mm_map). Moving arg_start past the first word leaves exactly
`/usr/bin/kubelet ARGS`, NUL-separated as the kernel wrote it.
"""

import ctypes
import struct

PR_SET_MM = 35
PR_SET_MM_MAP = 14
# struct prctl_mm_map (include/uapi/linux/prctl.h): eleven __u64 bounds, __u64 *auxv, __u32 auxv_size, __u32 exe_fd
MM_MAP = '11QQII'
NO_EXE_FD = 0xFFFFFFFF


def show_as_script(script):
    """Drop argv[0] when argv[1] is `script` (the interpreter's word). True when cmdline changed."""
    try:
        with open('/proc/self/cmdline', 'rb') as f:
            args = f.read().split(b'\0')
        if len(args) < 2 or args[1] != script.encode():
            return False
        with open('/proc/self/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return False

    def field(n):  # proc(5) numbering: field 3 is the first after the ")" that ends comm
        return int(fields[n - 3])

    libc = ctypes.CDLL(None, use_errno=True)
    libc.sbrk.restype = ctypes.c_void_p
    libc.sbrk.argtypes = [ctypes.c_long]
    buf = ctypes.create_string_buffer(struct.calcsize(MM_MAP))
    # Every bound but arg_start as it is now; brk last, after the buffer's allocation, so that the
    # map set is the process's own (a stale brk would shrink the heap's bookkeeping).
    brk = libc.sbrk(0)
    struct.pack_into(MM_MAP, buf, 0, field(26), field(27), field(45), field(46), field(47), brk, field(28),
                     field(48) + len(args[0]) + 1, field(49), field(50), field(51), 0, 0, NO_EXE_FD)
    return libc.prctl(PR_SET_MM, PR_SET_MM_MAP, buf, len(buf), 0) == 0
