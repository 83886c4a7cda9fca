/* SPDX-License-Identifier: MIT */
/*
 * sse_delay.c - how much later server-sent events arrive through a proxy
 * than straight from the upstream, for bench/run-proxy.sh.
 *
 * `bench_sse_delay [--rounds N] [--warmup N] [--path P] [--body FILE]
 * [--verbose] NAME=127.0.0.1:PORT...` (--verbose: one line per request on
 * stderr) sends the same streaming request to every target
 * in turn, round after round (the order rotates each round, so no target is
 * always first), each on a new connection, and notes when each event (an SSE
 * block ending in a blank line) arrives, counted from the moment the client
 * starts writing the request.  The first target is the reference, normally
 * the upstream itself: for each other target the tool prints the mean, over
 * all events, of (mean arrival through the target - mean arrival direct),
 * which is the delay an agent sees on every token.  It also prints the extra
 * delay of the response head alone.
 *
 * With the mock's --chunk-delay-ms the events are spread out in time, so a
 * proxy that holds events back (buffering) shows up as a large delay.  Only
 * HTTP/1.1 over IPv4 is spoken; the response may be chunked, have a length
 * or be delimited by the close.  Output, one line per target:
 *   NAME events E head_us H event_us M extra_head_us XH extra_event_us XE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/banned.h"

#define MAX_TARGETS 8
#define MAX_EVENTS 256
#define MAX_BODY ((size_t)64 << 20)

static const char default_body[] =
	"{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256,\"stream\":true,"
	"\"messages\":[{\"role\":\"user\",\"content\":\"Say something.\"}]}";

struct target {
	const char *name;
	struct sockaddr_in addr;
	double head_sum;             /* µs, summed over rounds */
	double event_sum[MAX_EVENTS];
	int nevents;                 /* events per reply, -1 before the first */
};

/* What one response looked like on the wire. */
struct reply {
	double head_us;
	double event_us[MAX_EVENTS];
	int nevents;
};

/* The incremental response parser: head, then body (chunked, with a
 * length, or up to the close), whose bytes go to the event splitter. */
struct parser {
	enum { HEAD, CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, BODY, DONE } state;
	char head[16384];
	size_t head_len;
	int status;
	bool chunked;
	long long remaining; /* body or chunk bytes still to come, -1 unknown */
	char line[32];
	size_t line_len;
	int newlines;        /* consecutive '\n' in the body, '\r' ignored */
};

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int usage(FILE *fp, int rc)
{
	fputs("usage: bench_sse_delay [--rounds N] [--warmup N] [--path P] [--body FILE]\n"
	      "                       [--verbose] NAME=127.0.0.1:PORT...\n"
	      "Streams the same request through every target in turn and prints, per\n"
	      "target, the mean extra arrival delay of each event over the first target.\n",
	      fp);
	return rc;
}

static int parse_target(const char *arg, struct target *t)
{
	const char *eq = strchr(arg, '='), *colon;
	char host[64];
	unsigned long port;
	char *end;

	if (!eq || eq == arg || !(colon = strrchr(eq + 1, ':')) ||
	    (size_t)(colon - eq - 1) >= sizeof(host))
		return -1;
	memcpy(host, eq + 1, (size_t)(colon - eq - 1));
	host[colon - eq - 1] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port == 0 || port > 65535)
		return -1;
	memset(t, 0, sizeof(*t));
	t->addr.sin_family = AF_INET;
	t->addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &t->addr.sin_addr) != 1)
		return -1;
	t->name = strndup(arg, (size_t)(eq - arg));
	t->nevents = -1;
	return t->name ? 0 : -1;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && (size_t)n <= MAX_BODY &&
	    fseek(fp, 0, SEEK_SET) == 0 && (data = malloc((size_t)n + 1)) &&
	    fread(data, 1, (size_t)n, fp) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(data);
		data = NULL;
	}
	fclose(fp);
	return data;
}

/* Body bytes: an event ends at a blank line (LF LF or CRLF CRLF). */
static void body_bytes(struct parser *p, struct reply *r, const char *s, size_t n, double t)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r')
			continue;
		if (s[i] != '\n') {
			p->newlines = 0;
			continue;
		}
		if (++p->newlines == 2 && r->nevents < MAX_EVENTS)
			r->event_us[r->nevents++] = t;
	}
}

/* The head is complete: the status, and how the body is delimited. */
static int head_done(struct parser *p)
{
	char *h = p->head, *v;

	if (sscanf(h, "HTTP/1.%*d %d", &p->status) != 1)
		return -1;
	for (v = h; *v; v++)
		*v = (*v >= 'A' && *v <= 'Z') ? (char)(*v - 'A' + 'a') : *v;
	p->remaining = -1;
	if (strstr(h, "\ntransfer-encoding: chunked")) {
		p->chunked = true;
		p->state = CHUNK_SIZE;
		return 0;
	}
	if ((v = strstr(h, "\ncontent-length:")))
		p->remaining = strtoll(v + 16, NULL, 10);
	p->state = p->remaining == 0 ? DONE : BODY;
	return 0;
}

/* Feed received bytes to the parser; returns the bytes used, -1 on a bad
 * response.  Sets p->state to DONE when the response is over. */
static int feed(struct parser *p, struct reply *r, const char *s, size_t n, double t)
{
	size_t i = 0, take;

	while (i < n && p->state != DONE) {
		switch (p->state) {
		case HEAD:
			if (p->head_len + 1 >= sizeof(p->head))
				return -1;
			p->head[p->head_len++] = s[i++];
			p->head[p->head_len] = '\0';
			if (p->head_len >= 4 && !memcmp(p->head + p->head_len - 4, "\r\n\r\n", 4)) {
				r->head_us = t;
				if (head_done(p))
					return -1;
			}
			break;
		case CHUNK_SIZE:
			if (s[i] != '\n') {
				if (p->line_len + 1 >= sizeof(p->line))
					return -1;
				p->line[p->line_len++] = s[i++];
				break;
			}
			i++;
			p->line[p->line_len] = '\0';
			p->line_len = 0;
			p->remaining = strtoll(p->line, NULL, 16);
			if (p->remaining < 0)
				return -1;
			/* the last chunk: trailers are not expected, stop here */
			p->state = p->remaining ? CHUNK_DATA : DONE;
			break;
		case CHUNK_DATA:
		case BODY:
			take = n - i;
			if (p->remaining >= 0 && (long long)take > p->remaining)
				take = (size_t)p->remaining;
			body_bytes(p, r, s + i, take, t);
			i += take;
			if (p->remaining >= 0) {
				p->remaining -= (long long)take;
				if (!p->remaining)
					p->state = p->state == BODY ? DONE : CHUNK_CRLF;
			}
			break;
		case CHUNK_CRLF:
			if (s[i++] == '\n')
				p->state = CHUNK_SIZE;
			break;
		case DONE:
			break;
		}
	}
	return (int)i;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One request on a new connection; times are µs from the first byte sent. */
static int one_request(const struct target *tg, const char *path, const char *body,
		       size_t body_len, struct reply *r)
{
	static struct parser p;
	struct timeval tv = { 30, 0 };
	char head[512], buf[65536];
	double t0, t;
	int fd, one = 1, rc = -1, hl;
	ssize_t n;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&tg->addr, sizeof(tg->addr)))
		goto out;
	hl = snprintf(head, sizeof(head),
		      "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
		      "Content-Type: application/json\r\nAccept: text/event-stream\r\n"
		      "anthropic-version: 2023-06-01\r\nx-api-key: sk-ant-bench-not-a-key\r\n"
		      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		      path, ntohs(tg->addr.sin_port), body_len);
	if (hl < 0 || (size_t)hl >= sizeof(head))
		goto out;
	t0 = now_us();
	if (write_all(fd, head, (size_t)hl) || write_all(fd, body, body_len))
		goto out;
	while (p.state != DONE) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		t = now_us() - t0;
		if (n == 0) {
			if (p.state == BODY && p.remaining < 0)
				break; /* close-delimited */
			goto out;
		}
		if (feed(&p, r, buf, (size_t)n, t) < 0)
			goto out;
	}
	rc = p.status == 200 ? 0 : -1;
out:
	close(fd);
	return rc;
}

/* Add one reply to the target's sums; every reply must have as many events. */
static int account(struct target *t, const struct reply *r)
{
	int i;

	if (t->nevents >= 0 && r->nevents != t->nevents) {
		fprintf(stderr, "bench_sse_delay: '%s' sent %d events, earlier %d\n", t->name,
			r->nevents, t->nevents);
		return -1;
	}
	t->nevents = r->nevents;
	t->head_sum += r->head_us;
	for (i = 0; i < r->nevents; i++)
		t->event_sum[i] += r->event_us[i];
	return 0;
}

static void report(const struct target *tg, int ntargets, int rounds)
{
	const struct target *ref = &tg[0];
	int k, i;

	for (k = 0; k < ntargets; k++) {
		const struct target *t = &tg[k];
		double ev = 0, extra = 0;
		int n = t->nevents < ref->nevents ? t->nevents : ref->nevents;

		for (i = 0; i < n; i++) {
			ev += t->event_sum[i] / rounds;
			extra += (t->event_sum[i] - ref->event_sum[i]) / rounds;
		}
		printf("%s events %d head_us %.1f event_us %.1f extra_head_us %.1f extra_event_us %.1f\n",
		       t->name, t->nevents, t->head_sum / rounds, n ? ev / n : 0.0,
		       (t->head_sum - ref->head_sum) / rounds, n ? extra / n : 0.0);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "path", required_argument, NULL, 'p' },
		{ "body", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct target tg[MAX_TARGETS];
	static struct reply r;
	const char *path = "/v1/messages";
	char *body = NULL, *end;
	size_t body_len = sizeof(default_body) - 1;
	long rounds = 20, warmup = 1;
	int c, k, ntargets = 0;
	uint64_t jitter = 1;
	bool verbose = false;
	long round;

	while ((c = getopt_long(argc, argv, "n:w:p:b:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
		case 'w':
			errno = 0;
			*(c == 'n' ? &rounds : &warmup) = strtol(optarg, &end, 10);
			if (errno || *end || rounds < 1 || warmup < 0)
				return usage(stderr, 2);
			break;
		case 'p':
			path = optarg;
			break;
		case 'b':
			if (!(body = read_file(optarg, &body_len))) {
				fprintf(stderr, "bench_sse_delay: cannot read '%s': %s\n", optarg,
					errno ? strerror(errno) : "too large");
				return 4;
			}
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (optind >= argc || argc - optind > MAX_TARGETS)
		return usage(stderr, 2);
	for (; optind < argc; optind++) {
		if (parse_target(argv[optind], &tg[ntargets++])) {
			fprintf(stderr, "bench_sse_delay: bad target '%s': use NAME=127.0.0.1:PORT\n",
				argv[optind]);
			return 2;
		}
	}
	for (round = 0; round < warmup + rounds; round++) {
		for (k = 0; k < ntargets; k++) {
			struct target *t = &tg[(k + round) % ntargets];

			/* The mock's timers tick in whole milliseconds, and back-to-back
			 * requests would start at the same phase of that tick every
			 * time, biasing one target: start each request at a random
			 * point of a 3 ms window instead. */
			jitter = jitter * 6364136223846793005ULL + 1442695040888963407ULL;
			usleep((useconds_t)((jitter >> 33) % 3000));
			errno = 0;
			if (one_request(t, path, body ? body : default_body, body_len, &r)) {
				fprintf(stderr, "bench_sse_delay: request to '%s' failed%s%s\n",
					t->name, errno ? ": " : "", errno ? strerror(errno) : "");
				return 4;
			}
			if (verbose)
				fprintf(stderr, "round %ld %s head_us %.0f first_us %.0f last_us %.0f\n",
					round, t->name, r.head_us, r.nevents ? r.event_us[0] : 0.0,
					r.nevents ? r.event_us[r.nevents - 1] : 0.0);
			if (round >= warmup && account(t, &r))
				return 4;
		}
	}
	report(tg, ntargets, (int)rounds);
	free(body);
	return 0;
}
