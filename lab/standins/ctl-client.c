/*
 * systemctl, journalctl and auditctl for a lab node: one small C program, installed under each
 * name, that forwards its argv to the node's init (lab/standins/init.py) over
 * /run/systemd/private and prints what the init answers, with its exit code.
 *
 * Why C: the real tools are C binaries that start in about a millisecond; the Python clients this
 * replaces cost 15-20 ms of node CPU each, which is most of what a nodeward plan or apply costs a
 * node beyond its SSH session, so every measurement against the OpenSSH floor measured the lab's
 * interpreter. Being an ELF binary also makes `ps` and /proc show `systemctl show …` as for the
 * real program (a Python client shows `/usr/bin/python3 /usr/bin/systemctl show …`).
 *
 * Request (one line of JSON): {"tool", "argv", "groups", "cwd", "reply": "raw"}.
 * Reply: "CODE OUTLEN ERRLEN\n" then OUTLEN bytes of stdout and ERRLEN bytes of stderr.
 * Built by lab/standins-build.ts at `lab up` with the system's cc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char SOCKET_PATH[] = "/run/systemd/private";

struct buf {
  char *p;
  size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (b->len + n + 1 > cap) cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) {
      fputs("Out of memory.\n", stderr);
      exit(1);
    }
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

/* A JSON string; bytes >= 0x80 pass through (the init decodes UTF-8 with surrogateescape). */
static void json_str(struct buf *b, const char *s) {
  put(b, "\"", 1);
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\') {
      char e[2] = {'\\', (char)*c};
      put(b, e, 2);
    } else if (*c < 0x20) {
      char e[8];
      snprintf(e, sizeof e, "\\u%04x", *c);
      put(b, e, 6);
    } else {
      put(b, (const char *)c, 1);
    }
  }
  put(b, "\"", 1);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static const char *tool_of(const char *argv0) {
  const char *base = strrchr(argv0, '/');
  base = base ? base + 1 : argv0;
  if (strcmp(base, "journalctl") == 0) return "journalctl";
  if (strcmp(base, "auditctl") == 0) return "auditctl";
  return "systemctl";
}

static int unreachable(const char *tool) {
  if (strcmp(tool, "auditctl") == 0)
    fputs("Error opening audit netlink socket (Connection refused)\n", stderr);
  else
    fputs("System has not been booted with systemd as init system (PID 1). Can't operate.\n"
          "Failed to connect to bus: Host is down\n", stderr);
  return 1;
}

int main(int argc, char **argv) {
  const char *tool = tool_of(argv[0]);
  /* A closed stdout (`systemctl … | head -1`) ends the output quietly, as the Python client did. */
  signal(SIGPIPE, SIG_IGN);

  struct buf req = {0};
  puts_(&req, "{\"tool\":");
  json_str(&req, tool);
  puts_(&req, ",\"argv\":[");
  for (int i = 1; i < argc; i++) {
    if (i > 1) put(&req, ",", 1);
    json_str(&req, argv[i]);
  }
  puts_(&req, "],\"groups\":[");
  gid_t gids[NGROUPS_MAX];
  int ng = getgroups(NGROUPS_MAX, gids);
  int first = 1;
  for (int i = 0; i < ng; i++) {
    struct group *g = getgrgid(gids[i]);
    if (!g) continue;
    if (!first) put(&req, ",", 1);
    json_str(&req, g->gr_name);
    first = 0;
  }
  puts_(&req, "],\"cwd\":");
  char cwd[PATH_MAX];
  json_str(&req, getcwd(cwd, sizeof cwd) ? cwd : "/");
  puts_(&req, ",\"reply\":\"raw\"}\n");

  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  memcpy(addr.sun_path, SOCKET_PATH, sizeof SOCKET_PATH);
  if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) return unreachable(tool);
  if (write_all(s, req.p, req.len) != 0) return unreachable(tool);

  struct buf reply = {0};
  char chunk[65536];
  for (;;) {
    ssize_t r = read(s, chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    put(&reply, chunk, (size_t)r);
  }
  close(s);

  int code;
  size_t outlen, errlen, used = 0;
  char *eol = reply.p ? memchr(reply.p, '\n', reply.len) : NULL;
  if (eol) {
    *eol = 0; /* the header alone: a scanf "\n" would also eat the output's leading blanks */
    used = (size_t)(eol - reply.p) + 1;
  }
  if (!eol || sscanf(reply.p, "%d %zu %zu", &code, &outlen, &errlen) != 3 || used + outlen + errlen > reply.len) {
    fputs("Failed to read the reply of the service manager: Connection reset by peer\n", stderr);
    return 1;
  }
  if (outlen > 0 && write_all(1, reply.p + used, outlen) != 0 && errno != EPIPE) return 1;
  if (errlen > 0) write_all(2, reply.p + used + outlen, errlen);
  return code;
}
