/* SPDX-License-Identifier: MIT */
/*
 * test_http.c - the HTTP core over real sockets on 127.0.0.1.
 *
 * A server runs on port 0 in its own thread and libuv loop; each test
 * talks to it with a raw socket, byte for byte, so what is tested is what
 * a client (or an attacker) can send: keep-alive and pipelining, chunked
 * bodies, the smuggling refusals, the limits, the header timeout, the
 * cancel callback on disconnect, and SSE events that leave one by one.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "proxy/http.h"
#include "util/banned.h"

static struct {
	pthread_t thread;
	uv_loop_t loop;
	uv_async_t stop;
	struct http_server *srv;
	int port;
	pthread_mutex_t lock;
	pthread_cond_t ready;
	int started;
	/* Set by the handlers, read by the tests. */
	volatile int cancels;
	volatile int64_t second_event_at;
	uv_timer_t timer;
	struct http_response *res;
} fx;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void timer_closed(uv_handle_t *h)
{
	(void)h;
}

/* /sse: the second event is written 200 ms after the first. */
static void second_event(uv_timer_t *t)
{
	(void)t;
	fx.second_event_at = now_ms();
	http_res_stream_write(fx.res, "data: two\n\n", 11);
	http_res_stream_end(fx.res);
	uv_close((uv_handle_t *)&fx.timer, timer_closed);
}

static void on_cancel(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&fx.cancels, 1, __ATOMIC_SEQ_CST);
	uv_close((uv_handle_t *)&fx.timer, timer_closed);
}

static void handler(struct http_request *req, struct http_response *res, void *ctx)
{
	char head[512];
	int n;

	(void)ctx;
	if (!strcmp(req->path, "/sse") || !strcmp(req->path, "/hang")) {
		fx.res = res;
		uv_timer_init(&fx.loop, &fx.timer);
		http_res_callbacks(res, NULL, on_cancel, NULL);
		http_res_stream_start(res, 200, "text/event-stream");
		http_res_stream_write(res, "data: one\n\n", 11);
		if (!strcmp(req->path, "/sse"))
			uv_timer_start(&fx.timer, second_event, 200, 0);
		return;
	}
	n = snprintf(head, sizeof(head), "%s %s q=%s h=%s len=%zu body=", req->method,
		     req->path, req->query ? req->query : "-",
		     http_request_header(req, "x-test") ? http_request_header(req, "x-test") : "-",
		     req->body_len);
	{
		char *out = malloc((size_t)n + req->body_len);

		memcpy(out, head, (size_t)n);
		memcpy(out + n, req->body, req->body_len);
		http_res_send(res, 200, "text/plain", out, (size_t)n + req->body_len);
		free(out);
	}
}

static void on_stop(uv_async_t *a)
{
	http_server_stop(fx.srv, 200);
	uv_close((uv_handle_t *)a, NULL);
}

static void *server_main(void *arg)
{
	struct http_config cfg = { 0 };
	char err[256];
	const char *addr;

	(void)arg;
	uv_loop_init(&fx.loop);
	uv_async_init(&fx.loop, &fx.stop, on_stop);
	cfg.listen = "127.0.0.1:0";
	cfg.handler = handler;
	cfg.max_body = 1024;
	cfg.header_timeout_ms = 600;
	cfg.idle_timeout_ms = 3000;
	if (http_server_new(&fx.loop, &cfg, &fx.srv, err, sizeof(err))) {
		fprintf(stderr, "server: %s\n", err);
		abort();
	}
	addr = http_server_address(fx.srv);
	pthread_mutex_lock(&fx.lock);
	fx.port = (int)strtol(strrchr(addr, ':') + 1, NULL, 10);
	fx.started = 1;
	pthread_cond_signal(&fx.ready);
	pthread_mutex_unlock(&fx.lock);
	uv_run(&fx.loop, UV_RUN_DEFAULT);
	http_server_free(fx.srv);
	uv_loop_close(&fx.loop);
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	pthread_mutex_init(&fx.lock, NULL);
	pthread_cond_init(&fx.ready, NULL);
	pthread_create(&fx.thread, NULL, server_main, NULL);
	pthread_mutex_lock(&fx.lock);
	while (!fx.started)
		pthread_cond_wait(&fx.ready, &fx.lock);
	pthread_mutex_unlock(&fx.lock);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	uv_async_send(&fx.stop);
	pthread_join(fx.thread, NULL);
	return 0;
}

static int connect_server(void)
{
	struct sockaddr_in sa = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)fx.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_str(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t k = send(fd, s, n, MSG_NOSIGNAL);

		if (k <= 0)
			return; /* the server may close on us: tests read what came */
		s += k;
		n -= (size_t)k;
	}
}

/* Read into @out until it holds @needle @count times, EOF or @ms pass.
 * Returns the bytes read; @out is NUL-terminated. */
static size_t read_until(int fd, char *out, size_t cap, const char *needle,
			 int count, int ms)
{
	int64_t end = now_ms() + ms;
	size_t len = 0;
	struct pollfd p = { fd, POLLIN, 0 };

	out[0] = '\0';
	while (len + 1 < cap) {
		const char *s = out;
		int seen = 0;
		ssize_t k;

		while (needle && (s = strstr(s, needle))) {
			seen++;
			s++;
		}
		if (needle && seen >= count)
			break;
		if (poll(&p, 1, (int)(end - now_ms() > 0 ? end - now_ms() : 0)) <= 0)
			break;
		k = recv(fd, out + len, cap - 1 - len, 0);
		if (k <= 0)
			break;
		len += (size_t)k;
		out[len] = '\0';
	}
	return len;
}

/* One request on a new connection; the response head and body in @out. */
static void exchange(const char *req, size_t n, char *out, size_t cap)
{
	int fd = connect_server();

	send_str(fd, req, n);
	read_until(fd, out, cap, NULL, 0, 2000);
	close(fd);
}

#define EXCHANGE(req, out) exchange(req, sizeof(req) - 1, out, sizeof(out))

static void test_plain_request(void **state)
{
	char out[4096];

	(void)state;
	EXCHANGE("GET /echo?a=1 HTTP/1.1\r\nHost: x\r\nX-Test: yes\r\nConnection: close\r\n\r\n", out);
	assert_non_null(strstr(out, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(out, "Content-Length: "));
	assert_non_null(strstr(out, "GET /echo q=a=1 h=yes len=0 body="));
}

static void test_keep_alive_and_pipelining(void **state)
{
	static const char two[] =
		"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
	char out[4096];
	int fd = connect_server();

	(void)state;
	send_str(fd, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n", 32);
	read_until(fd, out, sizeof(out), "body=", 1, 2000);
	assert_non_null(strstr(out, "GET /first"));
	/* The same connection again, now with two requests in one write. */
	send_str(fd, two, sizeof(two) - 1);
	read_until(fd, out, sizeof(out), "HTTP/1.1 200", 2, 2000);
	read_until(fd, out + strlen(out), sizeof(out) - strlen(out), "body=abc", 1, 500);
	assert_non_null(strstr(out, "GET /echo q=- h=- len=0"));
	assert_non_null(strstr(out, "body=abc"));
	assert_true(strstr(out, "GET /echo") < strstr(out, "POST /echo"));
	close(fd);
}

static void test_chunked_body(void **state)
{
	char out[4096];

	(void)state;
	EXCHANGE("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
		 "Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", out);
	assert_non_null(strstr(out, "HTTP/1.1 200"));
	assert_non_null(strstr(out, "len=11 body=hello world"));
}

static void expect_status(const char *out, const char *status)
{
	if (strncmp(out, status, strlen(status)))
		fail_msg("expected '%s', got '%.60s'", status, out);
	assert_non_null(strstr(out, "Connection: close\r\n"));
}

static void test_smuggling_refused(void **state)
{
	char out[4096];

	(void)state;
	EXCHANGE("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", out);
	expect_status(out, "HTTP/1.1 400");
	EXCHANGE("GET /echo HTTP/1.1\r\nHost: x\r\nX-Test: a\r\n  folded\r\n\r\n", out);
	expect_status(out, "HTTP/1.1 400");
	assert_non_null(strstr(out, "folding"));
	EXCHANGE("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
		 "Content-Length: 4\r\n\r\nabcd", out);
	expect_status(out, "HTTP/1.1 400");
	EXCHANGE("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "zz\r\nhello\r\n0\r\n\r\n", out);
	expect_status(out, "HTTP/1.1 400");
	EXCHANGE("GET /echo HTTP/1.1\nHost: x\n\n", out);
	expect_status(out, "HTTP/1.1 400");
	EXCHANGE("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
		 "Content-Length: 2\r\n\r\n0\r\n\r\n", out);
	expect_status(out, "HTTP/1.1 400");
}

static void test_too_many_headers(void **state)
{
	char req[8192], out[4096];
	size_t n = 0;
	int i;

	(void)state;
	n += (size_t)snprintf(req + n, sizeof(req) - n, "GET /echo HTTP/1.1\r\n");
	for (i = 0; i < 101; i++)
		n += (size_t)snprintf(req + n, sizeof(req) - n, "X-H%d: v\r\n", i);
	n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n");
	exchange(req, n, out, sizeof(out));
	expect_status(out, "HTTP/1.1 431");
}

static void test_header_bytes_limit(void **state)
{
	size_t n = 70000, off;
	char *req = malloc(n + 64), out[4096];

	(void)state;
	off = (size_t)snprintf(req, 64, "GET /echo HTTP/1.1\r\nX-Big: ");
	memset(req + off, 'a', n - off);
	memcpy(req + n, "\r\n\r\n", 4);
	exchange(req, n + 4, out, sizeof(out));
	expect_status(out, "HTTP/1.1 431");
	free(req);
}

static void test_body_limit(void **state)
{
	char req[4096], out[4096];
	size_t n;

	(void)state;
	/* Refused from Content-Length alone, before the body is read. */
	EXCHANGE("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n", out);
	expect_status(out, "HTTP/1.1 413");
	/* Chunked: refused when the buffered body passes the limit. */
	n = (size_t)snprintf(req, sizeof(req), "POST /echo HTTP/1.1\r\nHost: x\r\n"
			     "Transfer-Encoding: chunked\r\n\r\n400\r\n");
	memset(req + n, 'b', 1024);
	n += 1024;
	n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n1\r\nb\r\n0\r\n\r\n");
	exchange(req, n, out, sizeof(out));
	expect_status(out, "HTTP/1.1 413");
	/* Exactly at the limit is fine. */
	n = (size_t)snprintf(req, sizeof(req), "POST /echo HTTP/1.1\r\nHost: x\r\n"
			     "Content-Length: 1024\r\nConnection: close\r\n\r\n");
	memset(req + n, 'c', 1024);
	exchange(req, n + 1024, out, sizeof(out));
	assert_non_null(strstr(out, "HTTP/1.1 200"));
	assert_non_null(strstr(out, "len=1024"));
}

static void test_slow_headers_time_out(void **state)
{
	static const char req[] = "GET /echo HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa"
				  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
	char out[4096] = "";
	int fd = connect_server();
	int64_t start = now_ms();
	size_t i, got = 0;

	(void)state;
	/* One byte per 100 ms: slower than the 600 ms header deadline allows. */
	for (i = 0; i < sizeof(req) - 1 && !got; i++) {
		send_str(fd, req + i, 1);
		got = read_until(fd, out, sizeof(out), NULL, 0, 100);
	}
	if (!got)
		read_until(fd, out, sizeof(out), NULL, 0, 1000);
	expect_status(out, "HTTP/1.1 408");
	assert_true(now_ms() - start < 2000);
	close(fd);
}

static void test_disconnect_cancels(void **state)
{
	char out[4096];
	int fd = connect_server();
	int before = __atomic_load_n(&fx.cancels, __ATOMIC_SEQ_CST);
	int64_t end;

	(void)state;
	send_str(fd, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n", 31);
	read_until(fd, out, sizeof(out), "data: one", 1, 2000);
	assert_non_null(strstr(out, "Transfer-Encoding: chunked"));
	close(fd);
	end = now_ms() + 2000;
	while (__atomic_load_n(&fx.cancels, __ATOMIC_SEQ_CST) == before && now_ms() < end)
		usleep(10000);
	assert_int_equal(__atomic_load_n(&fx.cancels, __ATOMIC_SEQ_CST), before + 1);
}

static void test_sse_events_leave_one_by_one(void **state)
{
	char out[4096];
	int fd = connect_server();
	int64_t first, second;

	(void)state;
	fx.second_event_at = 0;
	send_str(fd, "GET /sse HTTP/1.1\r\nHost: x\r\n\r\n", 30);
	read_until(fd, out, sizeof(out), "data: one", 1, 2000);
	first = now_ms();
	assert_non_null(strstr(out, "data: one"));
	assert_null(strstr(out, "data: two"));
	read_until(fd, out + strlen(out), sizeof(out) - strlen(out), "0\r\n\r\n", 1, 2000);
	second = now_ms();
	assert_non_null(strstr(out, "data: two"));
	/* The first event was here before the handler wrote the second. */
	assert_true(fx.second_event_at > 0);
	assert_true(first < fx.second_event_at);
	assert_true(second - first >= 150);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_request),
		cmocka_unit_test(test_keep_alive_and_pipelining),
		cmocka_unit_test(test_chunked_body),
		cmocka_unit_test(test_smuggling_refused),
		cmocka_unit_test(test_too_many_headers),
		cmocka_unit_test(test_header_bytes_limit),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_slow_headers_time_out),
		cmocka_unit_test(test_disconnect_cancels),
		cmocka_unit_test(test_sse_events_leave_one_by_one),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
