/* pb_json — descriptor-driven printing of protobuf-c messages. */
#include "pb_json.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "time_text.h"
#include "tz_error.h"
#include "utf8.h"

static const char *enum_name(const ProtobufCFieldDescriptor *fd, int v)
{
    const ProtobufCEnumValue *ev =
        protobuf_c_enum_descriptor_get_value(fd->descriptor, v);
    return ev ? ev->name : NULL;
}

static char *hex(const ProtobufCBinaryData *b)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(b->len * 2 + 1);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < b->len; i++) {
        s[2 * i] = digits[b->data[i] >> 4];
        s[2 * i + 1] = digits[b->data[i] & 15];
    }
    s[b->len * 2] = '\0';
    return s;
}

/* One value of a field (element i of a repeated one) at p. */
static cJSON *value_json(const ProtobufCFieldDescriptor *fd, const void *p)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return cJSON_CreateNumber(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return cJSON_CreateNumber(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return cJSON_CreateNumber((double)*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return cJSON_CreateNumber((double)*(const uint64_t *)p);
    case PROTOBUF_C_TYPE_FLOAT:
        return cJSON_CreateNumber(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return cJSON_CreateNumber(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return cJSON_CreateBool(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        const char *n = enum_name(fd, v);
        return n ? cJSON_CreateString(n) : cJSON_CreateNumber(v);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return cJSON_CreateString(s ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES: {
        char *h = hex((const ProtobufCBinaryData *)p);
        if (h == NULL)
            return NULL;
        cJSON *j = cJSON_CreateString(h);
        free(h);
        return j;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
        return m ? pb_to_json(m) : cJSON_CreateNull();
    }
    }
    return cJSON_CreateNull();
}

static size_t elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM: return sizeof(int);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    default: return 4;
    }
}

/* Whether a non-repeated field is present: oneof members only when chosen,
 * sub-messages only when set. */
static int present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
    const char *base = (const char *)msg;
    if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t chosen = *(const uint32_t *)(base + fd->quantifier_offset);
        return chosen == fd->id;
    }
    if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->quantifier_offset &&
        fd->type != PROTOBUF_C_TYPE_MESSAGE && fd->type != PROTOBUF_C_TYPE_STRING)
        return *(const protobuf_c_boolean *)(base + fd->quantifier_offset);
    if (fd->type == PROTOBUF_C_TYPE_MESSAGE || fd->type == PROTOBUF_C_TYPE_STRING)
        return *(void *const *)(base + fd->offset) != NULL;
    return 1;
}

cJSON *pb_to_json(const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const char *base = (const char *)msg;
    cJSON *obj = cJSON_CreateObject();
    if (obj == NULL)
        return NULL;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        cJSON *v;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + fd->quantifier_offset);
            const char *arr = *(char *const *)(base + fd->offset);
            size_t sz = elem_size(fd->type);
            v = cJSON_CreateArray();
            for (size_t k = 0; v && k < n; k++) {
                cJSON *e = value_json(fd, arr + k * sz);
                if (e == NULL) {
                    cJSON_Delete(v);
                    v = NULL;
                    break;
                }
                cJSON_AddItemToArray(v, e);
            }
        } else {
            if (!present(msg, fd))
                continue;
            v = value_json(fd, base + fd->offset);
        }
        if (v == NULL) {
            cJSON_Delete(obj);
            return NULL;
        }
        cJSON_AddItemToObject(obj, fd->name, v);
    }
    return obj;
}

static void indent(FILE *f, int depth)
{
    for (int i = 0; i < depth; i++)
        fputs("  ", f);
}

/* Text is for people: a field named for a moment ("enrolled_at",
 * "last_seen") holds unix seconds, shown as a date (time_text.h). */
static int is_time(const ProtobufCFieldDescriptor *fd)
{
    size_t n = strlen(fd->name);
    return (n > 3 && strcmp(fd->name + n - 3, "_at") == 0) ||
           strcmp(fd->name, "last_seen") == 0;
}

static void write_scalar(FILE *f, const ProtobufCFieldDescriptor *fd, const void *p,
                         pb_enum_word word)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING: {
        /* One value, one line: a newline or a bidi control an agent sent
         * (or a register from before validate.c refused them holds) is
         * shown escaped, never obeyed. */
        const char *s = *(char *const *)p;
        char *e = tz_text_escape(s ? s : "", NULL);
        fputs(e ? e : "?", f);
        free(e);
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        char *h = hex((const ProtobufCBinaryData *)p);
        fputs(h ? h : "?", f);
        free(h);
        break;
    }
    case PROTOBUF_C_TYPE_BOOL:
        fputs(*(const protobuf_c_boolean *)p ? "true" : "false", f);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const char *n = enum_name(fd, *(const int *)p);
        if (n)
            fputs(word ? word(n) : n, f);
        else
            fprintf(f, "%d", *(const int *)p);
        break;
    }
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (is_time(fd) && *(const int64_t *)p != 0) {
            char t[TIME_TEXT_BUF];
            fputs(time_text(*(const int64_t *)p, TIME_HUMAN, t), f);
        } else {
            fprintf(f, "%" PRId64, *(const int64_t *)p);
        }
        break;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        fprintf(f, "%" PRIu64, *(const uint64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        fprintf(f, "%" PRIu32, *(const uint32_t *)p);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        fprintf(f, "%g", *(const float *)p);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        fprintf(f, "%g", *(const double *)p);
        break;
    default:
        fprintf(f, "%" PRId32, *(const int32_t *)p);
        break;
    }
}

static void write_msg(FILE *f, const ProtobufCMessage *msg, int depth, int first_dash,
                      pb_enum_word word);

static void write_field(FILE *f, const ProtobufCFieldDescriptor *fd,
                        const void *p, int depth, pb_enum_word word)
{
    if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
        fputs(":\n", f);
        write_msg(f, *(ProtobufCMessage *const *)p, depth + 1, 0, word);
    } else {
        fputs(": ", f);
        write_scalar(f, fd, p, word);
        fputc('\n', f);
    }
}

static void write_msg(FILE *f, const ProtobufCMessage *msg, int depth, int first_dash,
                      pb_enum_word word)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const char *base = (const char *)msg;
    int first = 1;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        int lead = depth;
        if (first_dash && first)
            lead = -1;   /* the "- " of a list item already stands there */
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + fd->quantifier_offset);
            if (n == 0)
                continue;
            const char *arr = *(char *const *)(base + fd->offset);
            size_t sz = elem_size(fd->type);
            if (lead >= 0)
                indent(f, lead);
            fprintf(f, "%s: (%zu)\n", fd->name, n);
            for (size_t k = 0; k < n; k++) {
                indent(f, depth + 1);
                fputs("- ", f);
                if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
                    write_msg(f, *(ProtobufCMessage *const *)(arr + k * sz),
                              depth + 2, 1, word);
                } else {
                    write_scalar(f, fd, arr + k * sz, word);
                    fputc('\n', f);
                }
            }
        } else {
            if (!present(msg, fd))
                continue;
            /* Text is for people: an empty string says nothing. */
            if (fd->type == PROTOBUF_C_TYPE_STRING &&
                (*(char *const *)(base + fd->offset))[0] == '\0')
                continue;
            if (lead >= 0)
                indent(f, lead);
            fputs(fd->name, f);
            write_field(f, fd, base + fd->offset, depth, word);
        }
        first = 0;
    }
    if (first && first_dash)
        fputs("{}\n", f);
}

int pb_write_text(FILE *f, const ProtobufCMessage *msg, pb_enum_word word)
{
    write_msg(f, msg, 0, 0, word);
    return ferror(f) ? TZ_EIO : 0;
}
