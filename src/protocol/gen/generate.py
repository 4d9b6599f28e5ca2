#!/usr/bin/env python3
"""Generates the C++ message structs of the Kafka protocol from our schema files.

Usage: generate.py --out DIR SCHEMA...

The schema format is documented in docs/protocol.md. For each schema file NAME.schema this writes
DIR/NAME.h and DIR/NAME.cc (the request and response structs of one API), and once for all:
DIR/messages.h (every API, plus the EDDY_PROTOCOL_APIS X-macro), DIR/dispatch.h/.cc (decode any
request or response body by api key and version into a std::variant) and DIR/fill.h/.cc (a
pseudo-random filler used by the round-trip tests). Standard library only; output is rewritten
only when its text changes so that an unrelated schema edit recompiles little.
"""

import argparse
import os
import re
import sys

MAX_VERSION = 32767
PRIMITIVES = {
    "bool": "bool",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int32_t",
    "int64": "int64_t",
    "uint16": "uint16_t",
    "uint32": "uint32_t",
    "float64": "double",
    "uuid": "Uuid",
    "string": "std::string",
    "bytes": "Bytes",
    "records": "Records",
}
NUMERIC = {"bool", "int8", "int16", "int32", "int64", "uint16", "uint32", "float64"}
CPP_KEYWORDS = {"default", "operator", "class", "new", "delete", "private", "public", "template",
                "register", "union", "namespace", "this", "throw", "try", "catch", "auto"}


class SchemaError(Exception):
    pass


def parse_range(text, where):
    """'3+', '0-2', '5', 'none' -> (lo, hi) or None."""
    if text == "none":
        return None
    if text == "all":
        return (0, MAX_VERSION)
    m = re.fullmatch(r"(\d+)\+", text)
    if m:
        return (int(m.group(1)), MAX_VERSION)
    m = re.fullmatch(r"(\d+)-(\d+)", text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo > hi:
            raise SchemaError(f"{where}: empty range {text}")
        return (lo, hi)
    m = re.fullmatch(r"\d+", text)
    if m:
        return (int(text), int(text))
    raise SchemaError(f"{where}: bad version range '{text}'")


def intersect(a, b):
    if a is None or b is None:
        return None
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def snake(name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = s.lower()
    return s + "_" if s in CPP_KEYWORDS else s


class Field:
    def __init__(self, name, type_, opts, where):
        self.name = name
        self.cpp_name = snake(name)
        self.type = type_
        self.where = where
        self.children = []
        self.versions = parse_range(opts.pop("v", "0+"), where)
        self.nullable = parse_range(opts.pop("null", "none"), where)
        self.tag = None
        self.tagged = None
        if "tag" in opts:
            self.tag = int(opts.pop("tag"))
            self.tagged = parse_range(opts.pop("tagv"), where) if "tagv" in opts else self.versions
        self.default = opts.pop("default", None)
        if opts:
            raise SchemaError(f"{where}: unknown options {sorted(opts)}")
        self.is_array = type_.startswith("[]")
        self.elem = type_[2:] if self.is_array else type_
        self.is_struct = self.elem not in PRIMITIVES
        self.struct = None  # resolved Struct


class Struct:
    def __init__(self, name, fields):
        self.name = name
        self.fields = fields


class Message:
    def __init__(self, api_key, api_name, kind, valid, flexible, where):
        self.api_key = api_key
        self.api_name = api_name
        self.kind = kind  # "request" or "response"
        self.name = api_name + kind.capitalize()
        self.valid = valid
        self.flexible = flexible
        self.fields = []
        self.common = {}
        self.where = where
        self.structs = []  # nested struct definitions, dependencies first


def parse_field_line(tokens, where):
    if len(tokens) < 2:
        raise SchemaError(f"{where}: a field needs a name and a type")
    name, type_ = tokens[0], tokens[1]
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name):
        raise SchemaError(f"{where}: field names are CamelCase: {name}")
    opts = {}
    for t in tokens[2:]:
        if "=" not in t:
            raise SchemaError(f"{where}: expected key=value, got {t}")
        k, v = t.split("=", 1)
        opts[k] = v
    return Field(name, type_, opts, where)


def parse_schema(path):
    """Returns (api_key, api_name, [request, response])."""
    api = None
    messages = []
    # stack of (indent, list to append fields to, owner field or None)
    stack = []
    current = None
    with open(path) as f:
        lines = f.read().split("\n")
    for lineno, raw in enumerate(lines, 1):
        where = f"{path}:{lineno}"
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent % 2:
            raise SchemaError(f"{where}: indent by two spaces")
        tokens = line.split()
        if indent == 0:
            if tokens[0] == "api":
                if len(tokens) != 3:
                    raise SchemaError(f"{where}: expected 'api KEY Name'")
                api = (int(tokens[1]), tokens[2])
            elif tokens[0] in ("request", "response"):
                if api is None:
                    raise SchemaError(f"{where}: 'api' line must come first")
                if len(tokens) != 4 or tokens[2] != "flexible":
                    raise SchemaError(f"{where}: expected '{tokens[0]} RANGE flexible RANGE'")
                current = Message(api[0], api[1], tokens[0], parse_range(tokens[1], where),
                                  parse_range(tokens[3], where), where)
                messages.append(current)
                stack = [(2, current.fields, None)]
            else:
                raise SchemaError(f"{where}: unknown directive {tokens[0]}")
            continue
        if current is None:
            raise SchemaError(f"{where}: field outside a request/response section")
        while stack and indent < stack[-1][0]:
            stack.pop()
        if not stack or indent != stack[-1][0]:
            raise SchemaError(f"{where}: unexpected indentation")
        if tokens[0] == "struct" and indent == 2:
            if len(tokens) != 2:
                raise SchemaError(f"{where}: expected 'struct Name'")
            fields = []
            current.common[tokens[1]] = Struct(tokens[1], fields)
            stack.append((4, fields, None))
            continue
        field = parse_field_line(tokens, where)
        stack[-1][1].append(field)
        if field.is_struct:
            stack.append((indent + 2, field.children, field))
    if api is None or len(messages) != 2 or [m.kind for m in messages] != ["request", "response"]:
        raise SchemaError(f"{path}: needs an api line, then a request and a response section")
    for m in messages:
        resolve(m)
    return api[0], api[1], messages


def resolve(msg):
    """Links struct-typed fields to their definitions and orders the definitions."""
    seen = {}

    def visit_struct(struct):
        if struct.name in seen:
            if seen[struct.name] is not struct:
                raise SchemaError(f"{msg.where}: struct {struct.name} defined twice")
            return
        for field in struct.fields:
            visit_field(field)
        if struct.name in seen:
            raise SchemaError(f"{msg.where}: struct {struct.name} contains itself")
        seen[struct.name] = struct
        msg.structs.append(struct)

    def visit_field(field):
        if not field.is_struct:
            if field.children:
                raise SchemaError(f"{field.where}: a {field.type} field has no children")
            return
        if field.struct is not None:
            pass
        elif field.children:
            if field.elem in msg.common:
                raise SchemaError(f"{field.where}: {field.elem} is also a common struct")
            field.struct = Struct(field.elem, field.children)
        elif field.elem in msg.common:
            field.struct = msg.common[field.elem]
        elif field.elem in seen:
            field.struct = seen[field.elem]
        else:
            raise SchemaError(f"{field.where}: unknown type {field.type}")
        visit_struct(field.struct)

    for field in msg.fields:
        visit_field(field)
    for struct in msg.common.values():
        visit_struct(struct)
    for field in msg.fields:
        check_field(msg, field)
    for struct in msg.structs:
        for field in struct.fields:
            check_field(msg, field)


def check_field(msg, field):
    if field.tag is not None:
        if field.tagged is None or msg.flexible is None:
            raise SchemaError(f"{field.where}: tagged field in a message with no flexible versions")
        t = intersect(field.tagged, msg.valid)
        if t and intersect(t, msg.flexible) != t:
            raise SchemaError(f"{field.where}: tagged versions must be flexible versions")
    if field.nullable and field.type in NUMERIC | {"uuid"}:
        raise SchemaError(f"{field.where}: a {field.type} cannot be nullable")


# ---------------------------------------------------------------- C++ emission


def is_nullable_type(field, msg):
    return intersect(intersect(field.nullable, field.versions), msg.valid) is not None


def elem_cpp(field):
    return field.struct.name if field.is_struct else PRIMITIVES[field.elem]


def cpp_type(field, msg):
    t = elem_cpp(field)
    if field.is_array:
        t = f"std::vector<{t}>"
    if is_nullable_type(field, msg):
        t = f"std::optional<{t}>"
    return t


def int_literal(field, text):
    v = int(text, 0)
    t = PRIMITIVES[field.type]
    if -2**31 < v < 2**31:
        return str(v)
    return f"static_cast<{t}>({v}LL)"


def default_expr(field, msg):
    """The member initializer, or None for a value-initialized member."""
    d = field.default
    nullable = is_nullable_type(field, msg)
    if d == "null":
        if not nullable:
            raise SchemaError(f"{field.where}: default=null on a non-nullable field")
        return "std::nullopt"
    if field.is_array:
        if d not in (None, "[]"):
            raise SchemaError(f"{field.where}: an array's default is empty")
        return f"std::vector<{elem_cpp(field)}>()" if nullable else None
    if field.is_struct:
        return f"{field.struct.name}()" if nullable else None
    if field.type in ("bool",):
        return d if d in ("true", "false") else "false"
    if field.type == "float64":
        return f"{float(d or 0)!r}"
    if field.type in NUMERIC:
        return int_literal(field, d or "0")
    if field.type == "string":
        if d is None and not nullable:
            return None
        return f'std::string("{d or ""}")'
    if field.type == "bytes":
        return "Bytes()" if nullable else None
    if field.type == "records":
        return "std::nullopt" if nullable else None
    if field.type == "uuid":
        return None
    raise SchemaError(f"{field.where}: no default for {field.type}")


def is_default_expr(field, msg, var):
    """A C++ expression that is true when var holds the field's default (tagged fields are only
    written when they differ from it)."""
    nullable = is_nullable_type(field, msg)
    d = default_expr(field, msg)
    if nullable and d == "std::nullopt":
        return f"!{var}.has_value()"
    if field.is_array:
        return f"({var} && {var}->empty())" if nullable else f"{var}.empty()"
    if field.is_struct:
        return f"({var} == {field.struct.name}())"
    if field.type == "uuid":
        return f"{var}.is_zero()"
    if field.type in NUMERIC:
        return f"({var} == {d})"
    if field.type == "string":
        lit = f'"{field.default or ""}"'
        return f"({var} == {lit})"
    if field.type in ("bytes", "records"):
        return f"({var} && {var}->empty())" if nullable else f"{var}.empty()"
    raise SchemaError(f"{field.where}: cannot compare {field.type}")


def range_cond(r, within, var="version"):
    """C++ condition for var in r, simplified knowing var is always within `within`."""
    r = intersect(r, within)
    if r is None:
        return "false"
    parts = []
    if r[0] > within[0]:
        parts.append(f"{var} >= {r[0]}")
    if r[1] < within[1]:
        parts.append(f"{var} <= {r[1]}")
    return " && ".join(parts) if parts else "true"


def regular_range(field, msg):
    """Versions where the field is a regular (positional) field, as a list of ranges."""
    v = intersect(field.versions, msg.valid)
    if v is None:
        return []
    t = intersect(field.tagged, v) if field.tag is not None else None
    if t is None:
        return [v]
    out = []
    if v[0] < t[0]:
        out.append((v[0], t[0] - 1))
    if t[1] < v[1]:
        out.append((t[1] + 1, v[1]))
    return out


def any_cond(ranges, within):
    conds = [range_cond(r, within) for r in ranges]
    conds = [c for c in conds if c != "false"]
    if not conds:
        return "false"
    if "true" in conds:
        return "true"
    return " || ".join(f"({c})" for c in conds) if len(conds) > 1 else conds[0]


def tagged_cond(field, msg):
    t = intersect(intersect(field.tagged, field.versions), msg.valid)
    return range_cond(t, msg.valid) if t else "false"


def nullable_cond(field, msg):
    v = intersect(field.versions, msg.valid)
    return range_cond(field.nullable, v) if v else "false"


def flexible_cond(msg):
    return range_cond(msg.flexible, msg.valid) if msg.flexible else "false"


def guard(cond, body, indent="  "):
    if cond == "false":
        return ""
    if cond == "true":
        return f"{indent}{body}\n"
    return f"{indent}if ({cond}) {body}\n"


def tagged_write_cond(field, msg):
    """C++ condition under which a tagged field is written: tagged in this version and not
    holding its default. "false" when it is never tagged in the message's versions."""
    c = tagged_cond(field, msg)
    if c == "false":
        return c
    cond = f"!{is_default_expr(field, msg, field.cpp_name)}"
    return cond if c == "true" else f"{c} && {cond}"


def ctx(field, msg):
    return f"{{version, flexible, {nullable_cond(field, msg)}}}"


def tagged_fields_of(fields):
    return sorted([f for f in fields if f.tag is not None], key=lambda f: f.tag)


def emit_struct_decl(msg, struct, out, indent):
    p = " " * indent
    has_flex = msg.flexible is not None and intersect(msg.flexible, msg.valid) is not None
    out.append(f"{p}struct {struct.name} {{\n")
    for field in struct.fields:
        init = default_expr(field, msg)
        init = f" = {init}" if init else "{}"
        out.append(f"{p}  {cpp_type(field, msg)} {field.cpp_name}{init};\n")
    if has_flex:
        out.append(f"{p}  UnknownTaggedFields unknown_tagged_fields;\n")
    out.append(f"\n{p}  void encode(Writer& w, int16_t version) const;\n")
    out.append(f"{p}  // Reads into a default-constructed value; errors stay in r.\n")
    out.append(f"{p}  void decode(Reader& r, int16_t version);\n")
    out.append(f"{p}  size_t size(int16_t version) const;\n")
    out.append(f"{p}  bool operator==(const {struct.name}&) const = default;\n")
    out.append(f"{p}}};\n")


def emit_struct_defs(msg, qual, fields, out):
    flex = flexible_cond(msg)
    tagged = tagged_fields_of(fields)
    out.append(f"void {qual}::encode([[maybe_unused]] Writer& w, [[maybe_unused]] int16_t version) const {{\n")
    out.append(f"  [[maybe_unused]] const bool flexible = {flex};\n")
    for f in fields:
        out.append(guard(any_cond(regular_range(f, msg), msg.valid),
                         f"field_codec::write(w, {f.cpp_name}, {ctx(f, msg)});"))
    if flex != "false":
        out.append("  if (flexible) {\n")
        out.append("    uint32_t tagged_count = static_cast<uint32_t>(unknown_tagged_fields.size());\n")
        for f in tagged:
            out.append(guard(tagged_write_cond(f, msg), "++tagged_count;", "    "))
        out.append("    w.write_uvarint(tagged_count);\n")
        out.append("    size_t next_unknown = 0;\n")
        for f in tagged:
            cond = tagged_write_cond(f, msg)
            if cond == "false":
                continue
            out.append(f"    if ({cond}) {{\n")
            out.append(f"      field_codec::write_unknown_tags_before(w, unknown_tagged_fields, &next_unknown, {f.tag});\n")
            out.append(f"      w.write_uvarint({f.tag});\n")
            out.append(f"      w.write_uvarint(static_cast<uint32_t>(field_codec::size({f.cpp_name}, {ctx(f, msg)})));\n")
            out.append(f"      field_codec::write(w, {f.cpp_name}, {ctx(f, msg)});\n")
            out.append("    }\n")
        out.append("    field_codec::write_unknown_tags_before(w, unknown_tagged_fields, &next_unknown, UINT64_MAX);\n")
        out.append("  }\n")
    out.append("}\n\n")

    out.append(f"void {qual}::decode([[maybe_unused]] Reader& r, [[maybe_unused]] int16_t version) {{\n")
    out.append(f"  [[maybe_unused]] const bool flexible = {flex};\n")
    for f in fields:
        out.append(guard(any_cond(regular_range(f, msg), msg.valid),
                         f"field_codec::read(r, {f.cpp_name}, {ctx(f, msg)});"))
    if flex != "false":
        out.append("  if (flexible) {\n")
        live = [f for f in tagged if tagged_cond(f, msg) != "false"]
        if live:
            out.append("    field_codec::read_tagged_fields(r, unknown_tagged_fields, [&](uint32_t tag, Reader& value) {\n")
            out.append("      switch (tag) {\n")
            for f in live:
                c = tagged_cond(f, msg)
                out.append(f"        case {f.tag}:\n")
                if c != "true":
                    out.append(f"          if (!({c})) return false;\n")
                out.append(f"          field_codec::read(value, {f.cpp_name}, {ctx(f, msg)});\n")
                out.append("          return true;\n")
            out.append("        default:\n          return false;\n      }\n    });\n")
        else:
            out.append("    field_codec::read_tagged_fields(r, unknown_tagged_fields, [](uint32_t, Reader&) { return false; });\n")
        out.append("  }\n")
    out.append("}\n\n")

    out.append(f"size_t {qual}::size([[maybe_unused]] int16_t version) const {{\n")
    out.append(f"  [[maybe_unused]] const bool flexible = {flex};\n")
    out.append("  size_t n = 0;\n")
    for f in fields:
        out.append(guard(any_cond(regular_range(f, msg), msg.valid),
                         f"n += field_codec::size({f.cpp_name}, {ctx(f, msg)});"))
    if flex != "false":
        out.append("  if (flexible) {\n")
        out.append("    size_t tagged_count = unknown_tagged_fields.size();\n")
        out.append("    size_t tagged_bytes = field_codec::unknown_tags_size(unknown_tagged_fields);\n")
        for f in tagged:
            cond = tagged_write_cond(f, msg)
            if cond == "false":
                continue
            out.append(f"    if ({cond}) {{\n      ++tagged_count;\n")
            out.append(f"      tagged_bytes += field_codec::tagged_size({f.tag}, field_codec::size({f.cpp_name}, {ctx(f, msg)}));\n    }}\n")
        out.append("    n += Writer::uvarint_size(static_cast<uint32_t>(tagged_count)) + tagged_bytes;\n")
        out.append("  }\n")
    out.append("  return n;\n}\n\n")


def range_text(r):
    if r is None:
        return "none"
    return f"{r[0]}+" if r[1] == MAX_VERSION else f"{r[0]}-{r[1]}"


def emit_message_header(msg, out):
    top = Struct(msg.name, msg.fields)
    flex_min = msg.flexible[0] if msg.flexible else -1
    # Nested structs live in a namespace of their own and are aliased into the message: a
    # std::optional of a class nested in a class that is still being defined is not
    # default-constructible for clang.
    if msg.structs:
        out.append(f"namespace {snake(msg.name)} {{\n\n")
        for s in msg.structs:
            emit_struct_decl(msg, s, out, 0)
            out.append("\n")
        out.append(f"}}  // namespace {snake(msg.name)}\n\n")
    out.append(f"// {msg.api_name} (api key {msg.api_key}) {msg.kind}, versions {range_text(msg.valid)}, "
               f"flexible {range_text(msg.flexible)}.\n")
    out.append(f"struct {msg.name} {{\n")
    out.append(f"  static constexpr int16_t kApiKey = {msg.api_key};\n")
    out.append(f'  static constexpr const char* kName = "{msg.name}";\n')
    out.append(f"  static constexpr int16_t kMinVersion = {msg.valid[0]};\n")
    out.append(f"  static constexpr int16_t kMaxVersion = {msg.valid[1]};\n")
    out.append(f"  // -1 when no version is flexible.\n")
    out.append(f"  static constexpr int16_t kFlexibleMinVersion = {flex_min};\n")
    out.append(f"  static constexpr bool is_flexible(int16_t version) {{\n")
    out.append(f"    return kFlexibleMinVersion >= 0 && version >= kFlexibleMinVersion;\n  }}\n\n")
    for s in msg.structs:
        out.append(f"  using {s.name} = {snake(msg.name)}::{s.name};\n")
    if msg.structs:
        out.append("\n")
    body = []
    emit_struct_decl(msg, top, body, 0)
    # Splice the top-level members into this struct (drop the struct line and closing brace).
    out.extend(body[1:-1])
    out.append("};\n\n")


def write_if_changed(path, text):
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                return
    with open(path, "w") as f:
        f.write(text)


HEADER = "// Generated by src/protocol/gen/generate.py from src/protocol/schema/{src}. Do not edit.\n"


def generate_api(out_dir, stem, api_key, api_name, messages):
    h = [HEADER.format(src=stem + ".schema"), "#pragma once\n\n",
         "#include <cstddef>\n#include <cstdint>\n#include <optional>\n#include <string>\n#include <vector>\n\n",
         '#include "common/bytes.h"\n#include "protocol/reader.h"\n#include "protocol/wire_types.h"\n#include "protocol/writer.h"\n\n',
         "namespace eddy::protocol {\n\n"]
    for m in messages:
        emit_message_header(m, h)
    h.append("}  // namespace eddy::protocol\n")
    cc = [HEADER.format(src=stem + ".schema"), f'#include "protocol/generated/{stem}.h"\n\n',
          '#include "protocol/field_codec.h"\n\n', "namespace eddy::protocol {\n\n"]
    for m in messages:
        for s in m.structs:
            emit_struct_defs(m, f"{m.name}::{s.name}", s.fields, cc)
        emit_struct_defs(m, m.name, m.fields, cc)
    cc.append("}  // namespace eddy::protocol\n")
    write_if_changed(os.path.join(out_dir, stem + ".h"), "".join(h))
    write_if_changed(os.path.join(out_dir, stem + ".cc"), "".join(cc))


def emit_fill(msg, qual, fields, out):
    out.append(f"void fill_struct(Filler& f, {qual}& m, [[maybe_unused]] int16_t version) {{\n")
    out.append(f"  [[maybe_unused]] const bool flexible = {flexible_cond(msg)};\n")
    for fld in fields:
        v = intersect(fld.versions, msg.valid)
        if v is None:
            continue
        out.append(guard(range_cond(v, msg.valid),
                         f"fill_value(f, m.{fld.cpp_name}, {{version, flexible, {nullable_cond(fld, msg)}}});"))
    if msg.flexible and intersect(msg.flexible, msg.valid):
        out.append("  if (flexible) fill_unknown_tags(f, m.unknown_tagged_fields);\n")
    out.append("}\n\n")


def generate_all(out_dir, apis):
    apis = sorted(apis, key=lambda a: a[1])
    # messages.h
    m = [HEADER.format(src="*"), "#pragma once\n\n"]
    for stem, key, name, _ in apis:
        m.append(f'#include "protocol/generated/{stem}.h"\n')
    m.append("\n// X(Name, api_key) for every API with a schema, in api key order.\n")
    m.append("#define EDDY_PROTOCOL_APIS(X) \\\n")
    m.append(" \\\n".join(f"  X({name}, {key})" for _, key, name, _ in apis) + "\n")
    write_if_changed(os.path.join(out_dir, "messages.h"), "".join(m))

    # dispatch
    d = [HEADER.format(src="*"), "#pragma once\n\n#include <cstdint>\n#include <variant>\n\n",
         '#include "common/bytes.h"\n#include "common/status.h"\n#include "protocol/generated/messages.h"\n\n',
         "namespace eddy::protocol {\n\n"]
    for kind in ("Request", "Response"):
        d.append(f"// Every {kind.lower()} body, in api key order.\n")
        d.append(f"using {kind}Body = std::variant<\n")
        d.append(",\n".join(f"    {name}{kind}" for _, _, name, _ in apis) + ">;\n\n")
        d.append(f"// Decodes a {kind.lower()} body (the bytes after the header) of api_key at version.\n"
                 f"// Fails on an unknown api key, a version outside the schema's range, malformed bytes or\n"
                 f"// trailing bytes.\n")
        d.append(f"Result<{kind}Body> decode_{kind.lower()}(int16_t api_key, int16_t version, ByteSpan body);\n\n")
    d.append("}  // namespace eddy::protocol\n")
    write_if_changed(os.path.join(out_dir, "dispatch.h"), "".join(d))

    dc = [HEADER.format(src="*"), '#include "protocol/generated/dispatch.h"\n\n#include <string>\n\n',
          '#include "protocol/reader.h"\n\n', "namespace eddy::protocol {\n\nnamespace {\n\n",
          "template <typename Body, typename T>\n"
          "Result<Body> decode_body(int16_t version, ByteSpan bytes) {\n"
          "  if (version < T::kMinVersion || version > T::kMaxVersion) {\n"
          "    return unsupported(std::string(T::kName) + \" version \" + std::to_string(version));\n"
          "  }\n"
          "  Reader r(bytes);\n"
          "  T message;\n"
          "  message.decode(r, version);\n"
          "  if (!r.ok()) return Status(r.status().code(), std::string(T::kName) + \": \" + r.status().message());\n"
          "  if (r.remaining() != 0) {\n"
          "    return invalid_argument(std::string(T::kName) + \": \" + std::to_string(r.remaining()) +\n"
          "                            \" trailing bytes\");\n"
          "  }\n"
          "  return Body(std::move(message));\n"
          "}\n\n}  // namespace\n\n"]
    for kind in ("Request", "Response"):
        dc.append(f"Result<{kind}Body> decode_{kind.lower()}(int16_t api_key, int16_t version, ByteSpan body) {{\n")
        dc.append("  switch (api_key) {\n")
        for _, key, name, _ in apis:
            dc.append(f"    case {key}:\n      return decode_body<{kind}Body, {name}{kind}>(version, body);\n")
        dc.append("    default:\n      return unsupported(\"api key \" + std::to_string(api_key));\n  }\n}\n\n")
    dc.append("}  // namespace eddy::protocol\n")
    write_if_changed(os.path.join(out_dir, "dispatch.cc"), "".join(dc))

    # fill
    fh = [HEADER.format(src="*"), "#pragma once\n\n", '#include "protocol/generated/messages.h"\n',
          '#include "protocol/testing/filler.h"\n\n', "namespace eddy::protocol {\n\n"]
    fc = [HEADER.format(src="*"), '#include "protocol/generated/fill.h"\n\n',
          "namespace eddy::protocol {\n\n"]
    for _, _, _, messages in apis:
        for msg in messages:
            for s in msg.structs:
                fh.append(f"void fill_struct(Filler& f, {msg.name}::{s.name}& m, int16_t version);\n")
            fh.append(f"void fill_struct(Filler& f, {msg.name}& m, int16_t version);\n")
    for _, _, _, messages in apis:
        for msg in messages:
            for s in msg.structs:
                emit_fill(msg, f"{msg.name}::{s.name}", s.fields, fc)
            emit_fill(msg, msg.name, msg.fields, fc)
    fh.append("\n}  // namespace eddy::protocol\n")
    fc.append("}  // namespace eddy::protocol\n")
    write_if_changed(os.path.join(out_dir, "fill.h"), "".join(fh))
    write_if_changed(os.path.join(out_dir, "fill.cc"), "".join(fc))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("schemas", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    apis = []
    keys = {}
    try:
        for path in args.schemas:
            stem = os.path.splitext(os.path.basename(path))[0]
            key, name, messages = parse_schema(path)
            if key in keys:
                raise SchemaError(f"{path}: api key {key} also in {keys[key]}")
            keys[key] = path
            generate_api(args.out, stem, key, name, messages)
            apis.append((stem, key, name, messages))
        apis.sort(key=lambda a: a[1])
        generate_all(args.out, [(s, k, n, m) for s, k, n, m in apis])
    except SchemaError as e:
        print(f"generate.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
