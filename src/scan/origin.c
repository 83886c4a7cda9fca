/* SPDX-License-Identifier: MIT */
/*
 * origin.c - which part of an API request a string belongs to.
 *
 * The path says most of it for Anthropic Messages, OpenAI Chat Completions,
 * OpenAI Responses and Gemini generateContent: "system" and "instructions"
 * are the system prompt, "tools" are tool definitions, a tool_result block
 * or a functionResponse part is a tool result.  A message's own text takes
 * the message's role, which JSON lets come after the content, so roles are
 * collected during the walk and settled at the end of the body.
 */
#include <stdlib.h>
#include <string.h>

#include "scan/scan.h"
#include "util/banned.h"

static bool seg_in(const struct json_seg *s, const char *const *keys)
{
	for (; *keys; keys++)
		if (json_seg_is(s, *keys))
			return true;
	return false;
}

static const char *const system_keys[] = {
	"system", "systemInstruction", "system_instruction", "instructions", NULL,
};
static const char *const tool_keys[] = {
	"tools", "functions", "tool_choice", "toolConfig", "tool_config", NULL,
};
static const char *const message_meta[] = {
	"role", "type", "id", "name", "tool_call_id", "tool_use_id", "call_id",
	"status", "cache_control", NULL,
};
static const char *const result_keys[] = {
	"functionResponse", "function_response", NULL,
};
static const char *const call_keys[] = {
	"input", "functionCall", "function_call", "arguments", NULL,
};

/* Inside messages[i] / contents[i] / input[i], below the item itself. */
static void place_in_message(const struct json_walker *w, struct place *p)
{
	const struct json_seg *s = w->segs;

	if (w->depth == 3 && seg_in(&s[2], message_meta)) {
		p->origin = SCAN_ORIGIN_METADATA;
		return;
	}
	if (json_seg_is(&s[2], "tool_calls") || json_seg_is(&s[2], "function_call") ||
	    json_seg_is(&s[2], "arguments")) {
		p->origin = SCAN_ORIGIN_ASSISTANT;
		return;
	}
	if (json_seg_is(&s[2], "output")) {
		p->origin = SCAN_ORIGIN_TOOL_RESULT;
		return;
	}
	if (w->depth >= 5 && !s[3].key) {
		/* A content block or part: tool_result.content, tool_use.input,
		 * functionResponse, functionCall. */
		if (json_seg_is(&s[4], "content") || seg_in(&s[4], result_keys))
			p->origin = SCAN_ORIGIN_TOOL_RESULT;
		else if (seg_in(&s[4], call_keys))
			p->origin = SCAN_ORIGIN_ASSISTANT;
		else if (w->depth == 5 && seg_in(&s[4], message_meta))
			p->origin = SCAN_ORIGIN_METADATA;
	}
}

void scan_place_of(const struct json_walker *w, struct place *p)
{
	const struct json_seg *s = w->segs;

	p->origin = SCAN_ORIGIN_UNKNOWN;
	p->list = LIST_NONE;
	p->index = 0;
	if (w->depth == 0 || !s[0].key)
		return;
	if (seg_in(&s[0], system_keys)) {
		p->origin = SCAN_ORIGIN_SYSTEM;
		return;
	}
	if (seg_in(&s[0], tool_keys)) {
		p->origin = SCAN_ORIGIN_TOOL_DEFINITION;
		return;
	}
	if (json_seg_is(&s[0], "messages"))
		p->list = LIST_MESSAGES;
	else if (json_seg_is(&s[0], "contents"))
		p->list = LIST_CONTENTS;
	else if (json_seg_is(&s[0], "input") || json_seg_is(&s[0], "prompt"))
		p->list = LIST_INPUT;
	if (p->list == LIST_NONE) {
		p->origin = SCAN_ORIGIN_METADATA;
		return;
	}
	if (w->depth == 1 || s[1].key) {
		/* "input": "text" (Responses) or "prompt": "text" (completions) */
		p->list = LIST_NONE;
		p->origin = SCAN_ORIGIN_USER;
		return;
	}
	p->index = s[1].index;
	if (w->depth >= 3)
		place_in_message(w, p);
	if (p->origin != SCAN_ORIGIN_UNKNOWN)
		p->list = LIST_NONE;
}

static enum scan_origin origin_of_role(const uint8_t *v, size_t n, bool *is_type)
{
	static const struct {
		const char *name;
		enum scan_origin origin;
		bool is_type;
	} roles[] = {
		{ "user", SCAN_ORIGIN_USER, false },
		{ "assistant", SCAN_ORIGIN_ASSISTANT, false },
		{ "model", SCAN_ORIGIN_ASSISTANT, false },
		{ "system", SCAN_ORIGIN_SYSTEM, false },
		{ "developer", SCAN_ORIGIN_SYSTEM, false },
		{ "tool", SCAN_ORIGIN_TOOL_RESULT, false },
		{ "function", SCAN_ORIGIN_TOOL_RESULT, false },
		{ "function_call_output", SCAN_ORIGIN_TOOL_RESULT, true },
		{ "custom_tool_call_output", SCAN_ORIGIN_TOOL_RESULT, true },
		{ "function_call", SCAN_ORIGIN_ASSISTANT, true },
		{ "custom_tool_call", SCAN_ORIGIN_ASSISTANT, true },
		{ "reasoning", SCAN_ORIGIN_ASSISTANT, true },
	};
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strlen(roles[i].name) == n && !memcmp(roles[i].name, v, n)) {
			*is_type = roles[i].is_type;
			return roles[i].origin;
		}
	}
	return SCAN_ORIGIN_UNKNOWN;
}

int scan_note_role(struct scan_ctx *c, size_t start, size_t end)
{
	const struct json_walker *w = c->w;
	struct role_seen *r;
	enum role_list list;
	enum scan_origin o;
	bool is_type = false;

	if (w->depth != 3 || w->segs[1].key)
		return 0;
	if (!json_seg_is(&w->segs[2], "role") && !json_seg_is(&w->segs[2], "type"))
		return 0;
	if (json_seg_is(&w->segs[0], "messages"))
		list = LIST_MESSAGES;
	else if (json_seg_is(&w->segs[0], "contents"))
		list = LIST_CONTENTS;
	else if (json_seg_is(&w->segs[0], "input"))
		list = LIST_INPUT;
	else
		return 0;
	o = origin_of_role(c->body + start, end - start, &is_type);
	if (o == SCAN_ORIGIN_UNKNOWN || is_type != json_seg_is(&w->segs[2], "type"))
		return 0;
	if (scan_grow((void **)&c->roles, &c->roles_cap, c->nroles, sizeof(*c->roles)))
		return c->error = SCAN_ENOMEM;
	r = &c->roles[c->nroles++];
	r->list = list;
	r->index = w->segs[1].index;
	r->origin = o;
	return 0;
}

static int cmp_role(const void *a, const void *b)
{
	const struct role_seen *x = a, *y = b;

	if (x->list != y->list)
		return x->list < y->list ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void scan_roles_sort(struct scan_ctx *c)
{
	if (c->nroles > 1)
		qsort(c->roles, c->nroles, sizeof(*c->roles), cmp_role);
}

enum scan_origin scan_resolve_origin(const struct scan_ctx *c, const struct place *p)
{
	struct role_seen key = { p->list, p->index, SCAN_ORIGIN_UNKNOWN };
	const struct role_seen *r;

	if (p->origin != SCAN_ORIGIN_UNKNOWN || p->list == LIST_NONE || !c->nroles)
		return p->origin;
	r = bsearch(&key, c->roles, c->nroles, sizeof(*c->roles), cmp_role);
	return r ? r->origin : SCAN_ORIGIN_UNKNOWN;
}
