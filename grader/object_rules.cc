// grader/object_rules.cc: checking a submission's objects (see object_rules.h).
//
// Everything here parses the output of binutils run on untrusted objects, in
// the sandbox (build.cc runs them): lines are matched strictly and anything
// that does not parse is skipped, never trusted.
#include "grader/object_rules.h"

#include <cxxabi.h>
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <memory>
#include <regex>
#include <sstream>

namespace labkit::grader {
namespace {

// Documented hooks the runtimes call if the program defines them (LLVM's and
// GCC's sanitizer documentation: "default options", suppressions, callbacks).
// The headers declare most of them too; this list covers the ones only the
// documentation names (UBSan has no interface header in GCC 12).
const char* const kDocumentedHooks[] = {
    "__asan_default_options",   "__asan_on_error",
    "__lsan_default_options",   "__lsan_default_suppressions",
    "__lsan_is_turned_off",     "__ubsan_default_options",
    "__tsan_default_options",   "__tsan_default_suppressions",
    "__tsan_on_report",         "__tsan_on_initialize",
    "__tsan_on_finalize",       "__msan_default_options",
    "__hwasan_default_options", "__sanitizer_report_error_summary",
};

// Runtime prefixes: a definition starting with one of these is the runtimes'
// business even if this machine's runtime does not use that name.
const char* const kReservedPrefixes[] = {
    "__asan_",  "__lsan_",   "__ubsan_",     "__tsan_",        "__msan_",         "__hwasan_",
    "__dfsan_", "__sancov_", "__sanitizer_", "__interceptor_", "___interceptor_", "__libc_",
    "_IO_",     "__cxa_",    "__gxx_",       "_dl_",
};

// Sections whose code runs before the sanitizers and the harness are ready,
// or outside the normal order of static constructors and destructors.
const char* const kForbiddenSections[] = {
    ".preinit_array", ".init", ".fini", ".ctors", ".dtors",
};

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsReservedByPrefix(std::string_view name) {
  for (const char* prefix : kReservedPrefixes) {
    if (StartsWith(name, prefix)) {
      return true;
    }
  }
  return false;
}

// Reads a <source-name> (<length><identifier>) at `at`; advances `at`.
std::optional<std::string> SourceName(std::string_view s, size_t& at) {
  size_t length = 0;
  size_t digits = 0;
  while (at + digits < s.size() && std::isdigit(static_cast<unsigned char>(s[at + digits]))) {
    length = length * 10 + static_cast<size_t>(s[at + digits] - '0');
    if (length > 4096) {
      return std::nullopt;
    }
    ++digits;
  }
  if (digits == 0 || at + digits + length > s.size()) {
    return std::nullopt;
  }
  std::string name(s.substr(at + digits, length));
  at += digits + length;
  return name;
}

bool IsStdAbbreviation(std::string_view s) {
  // St (std::), Sa (std::allocator), Sb (std::basic_string), Ss, Si, So, Sd.
  return s.size() >= 2 && s[0] == 'S' &&
         std::string_view("tabsiod").find(s[1]) != std::string::npos;
}

// The namespace of an <encoding> or <name> (without the "_Z").
std::optional<std::string> NamespaceOfEncoding(std::string_view s, int depth) {
  if (depth > 8 || s.empty()) {
    return std::string();
  }
  // Special names: vtables, VTTs, typeinfo and its name, guard variables,
  // reference temporaries: the entity they belong to follows.
  if (StartsWith(s, "TV") || StartsWith(s, "TT") || StartsWith(s, "TI") || StartsWith(s, "TS") ||
      StartsWith(s, "GV") || StartsWith(s, "GR")) {
    return NamespaceOfEncoding(s.substr(2), depth + 1);
  }
  // Thunks: Th <offset> _ <encoding>, Tv <offset> _ <offset> _ <encoding>,
  // Tc <call-offset> <call-offset> <encoding>. Skip to the encoding.
  if (StartsWith(s, "Th") || StartsWith(s, "Tv") || StartsWith(s, "Tc")) {
    int underscores = s[1] == 'h' ? 1 : 2;
    size_t at = 2;
    while (at < s.size() && underscores > 0) {
      if (s[at] == '_') {
        --underscores;
      }
      ++at;
    }
    return NamespaceOfEncoding(s.substr(at), depth + 1);
  }
  // A local entity (a static local, a lambda): Z <function encoding> E ...
  if (s[0] == 'Z') {
    return NamespaceOfEncoding(s.substr(1), depth + 1);
  }
  if (s[0] == 'L') {
    s = s.substr(1);  // internal linkage
  }
  if (s.empty()) {
    return std::string();
  }
  if (s[0] == 'N') {
    size_t at = 1;
    while (at < s.size() && (s[at] == 'r' || s[at] == 'V' || s[at] == 'K')) {
      ++at;
    }
    if (at < s.size() && (s[at] == 'R' || s[at] == 'O')) {
      ++at;
    }
    std::string_view rest = s.substr(at);
    if (IsStdAbbreviation(rest)) {
      return std::string("std");
    }
    if (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0]))) {
      size_t pos = 0;
      std::optional<std::string> first = SourceName(rest, pos);
      return first ? *first : std::string();
    }
    return std::string();
  }
  if (IsStdAbbreviation(s)) {
    return std::string("std");
  }
  return std::string();  // the global namespace (unscoped names, operators)
}

bool IsGlobalDefinition(char type) {
  return std::string_view("TDBRGSCVWAu").find(type) != std::string_view::npos;
}

bool IsUse(char type) { return type == 'U' || type == 'w' || type == 'v'; }

bool IsWeakDefinition(char type) { return type == 'W' || type == 'V' || type == 'u'; }

// The replaceable global allocation functions. The placement forms
// (operator new(size_t, void*) and its deletes) are inline and may not be
// replaced, so objects carry weak copies of them: those are fine.
bool IsGlobalOperatorNewOrDelete(std::string_view mangled) {
  for (const char* placement : {"_ZnwmPv", "_ZnamPv", "_ZdlPvS_", "_ZdaPvS_"}) {
    if (mangled == placement) {
      return false;
    }
  }
  for (const char* prefix : {"_Znw", "_Zna", "_Zdl", "_Zda"}) {
    if (StartsWith(mangled, prefix)) {
      return true;
    }
  }
  return false;
}

// The source file an object was compiled from, as the student named it.
std::string SourceOfObject(std::string object) {
  if (auto at = object.find("obj/"); at != std::string::npos) {
    object = object.substr(at + 4);
  }
  if (object.size() > 2 && object.ends_with(".o")) {
    object = object.substr(0, object.size() - 2) + ".cc";
  }
  return object;
}

std::string JoinNamespaces(const std::vector<std::string>& namespaces) {
  std::string out;
  for (size_t i = 0; i < namespaces.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == namespaces.size() ? " or " : ", ") + namespaces[i];
  }
  return out;
}

struct NmLine {
  std::string file;
  char type = '?';
  std::string name;
};

std::optional<NmLine> ParseNmLine(const std::string& line) {
  // "file:VALUE T name" (VALUE: 16 hex digits) or "file:                 U name".
  static const std::regex format(R"(^([^:]+):[0-9a-fA-F ]{16} (\S) (\S+)$)");
  std::smatch m;
  if (!std::regex_match(line, m, format)) {
    return std::nullopt;
  }
  NmLine parsed{m[1], m[2].str()[0], m[3]};
  // Versioned names (nm on shared objects): "write@@GLIBC_2.2.5".
  if (auto at = parsed.name.find('@'); at != std::string::npos) {
    parsed.name.resize(at);
  }
  return parsed;
}

}  // namespace

std::string Demangle(const std::string& name) {
  if (!StartsWith(name, "_Z") || name.size() > 8192) {
    return name;
  }
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> text(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  return status == 0 && text ? std::string(text.get()) : name;
}

std::optional<std::string> ManglingNamespace(std::string_view mangled) {
  if (!StartsWith(mangled, "_Z")) {
    return std::nullopt;
  }
  return NamespaceOfEncoding(mangled.substr(2), 0);
}

const std::vector<std::string>& ForbiddenCalls() {
  static const std::vector<std::string> calls = {
      // Starting another program (also refused at run time: the harness's
      // seccomp filter), which could run the tests again with other settings.
      "execve",
      "execv",
      "execvp",
      "execvpe",
      "execl",
      "execlp",
      "execle",
      "fexecve",
      "execveat",
      "system",
      "popen",
      "posix_spawn",
      "posix_spawnp",
      // The environment the sanitizers read their settings from.
      "setenv",
      "putenv",
      "unsetenv",
      "clearenv",
      "environ",
      "__environ",
      "_environ",
      // Taking over crash handling from the sanitizers.
      "signal",
      "sigaction",
      "sysv_signal",
      "bsd_signal",
      "__sysv_signal",
      "sigset",
      // Walking the loaded objects to find the runtimes' internals.
      "dl_iterate_phdr",
  };
  return calls;
}

ReservedNames DeriveReservedNames(const std::vector<std::string>& header_texts,
                                  std::string_view runtime_nm_output) {
  ReservedNames names;
  static const std::regex declared(
      R"(\b(__(?:asan|lsan|ubsan|tsan|msan|hwasan|dfsan|sanitizer|sancov)_\w+)\s*\()");
  for (const std::string& text : header_texts) {
    for (std::sregex_iterator it(text.begin(), text.end(), declared), end; it != end; ++it) {
      names.sanitizer_interface.insert((*it)[1].str());
      names.reserved.insert((*it)[1].str());
    }
  }
  for (const char* hook : kDocumentedHooks) {
    names.reserved.insert(hook);
  }
  // `nm -D` lines: "VALUE T name@@VERSION", or "                 w name" for
  // a weak symbol the library looks up (a hook).
  static const std::regex line_format(R"(^[0-9a-fA-F ]{16} (\S) (\S+)$)");
  std::istringstream in{std::string(runtime_nm_output)};
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_match(line, m, line_format)) {
      continue;
    }
    char type = m[1].str()[0];
    std::string name = m[2];
    if (auto at = name.find('@'); at != std::string::npos) {
      name.resize(at);
    }
    if (name.empty() || StartsWith(name, "_Z")) {
      continue;  // C++ names: the allow-list decides
    }
    if (IsGlobalDefinition(type) || type == 'i' || type == 'w' || type == 'v') {
      names.reserved.insert(name);
    }
  }
  return names;
}

namespace {

// One symbol against the rules: its violation, and how telling it is (the
// rejection names the most telling one: a reserved hook says more about
// intent than a helper outside the namespace, which an attack also defines).
std::optional<std::pair<int, RuleViolation>> CheckSymbol(const NmLine& nm, const std::string& line,
                                                         const ObjectRules& rules,
                                                         const std::vector<std::regex>& allowed,
                                                         const std::vector<std::regex>& forbidden) {
  const std::vector<std::string>& calls = ForbiddenCalls();
  const std::string& name = nm.name;
  const std::string shown = Demangle(name);
  auto violation = [&](int weight, std::string rule) {
    return std::make_pair(weight, RuleViolation{std::move(rule), SourceOfObject(nm.file), line});
  };
  auto in_lab = [&](const std::optional<std::string>& ns) {
    return ns && std::find(rules.namespaces.begin(), rules.namespaces.end(), *ns) !=
                     rules.namespaces.end();
  };
  if (nm.type == 'i') {
    return violation(3,
                     "defines an indirect function (IFUNC), whose resolver would run before "
                     "the sanitizers and the harness: " +
                         shown);
  }
  const bool defines = IsGlobalDefinition(nm.type);
  const bool uses = IsUse(nm.type);
  if (!defines && !uses) {
    return std::nullopt;  // local symbols
  }
  for (size_t i = 0; i < forbidden.size(); ++i) {
    if (std::regex_search(shown, forbidden[i])) {
      return violation(
          2, fmt::format("uses or defines `{}`, which submissions may not (it matches the "
                         "forbidden pattern {}): student code must not call the grader's "
                         "harness, GoogleTest, or a lab's private reference",
                         shown, rules.forbidden_symbols[i]));
    }
  }
  if (uses) {
    if (rules.sanitizer_interface && rules.sanitizer_interface->count(name)) {
      return violation(2, "calls the sanitizers' interface, which submissions may not: " + name);
    }
    if (std::find(calls.begin(), calls.end(), name) != calls.end()) {
      return violation(2, fmt::format("calls `{}`, which submissions may not (it could start "
                                      "another program, change the sanitizers' settings or "
                                      "take over their crash handling)",
                                      name));
    }
    return std::nullopt;
  }
  // A definition. AddressSanitizer gives each global variable an ODR
  // indicator named after it: judge the variable's name.
  if (StartsWith(name, "__odr_asan.") && in_lab(ManglingNamespace(name.substr(11)))) {
    return std::nullopt;
  }
  if ((rules.reserved && rules.reserved->count(name)) || IsReservedByPrefix(name)) {
    return violation(3, "defines a symbol the grader reserves: " + shown);
  }
  if (IsGlobalOperatorNewOrDelete(name)) {
    return violation(3, "replaces the global " + shown +
                            ", which submissions may not (it would hide leaks from the "
                            "sanitizers)");
  }
  std::optional<std::string> ns = ManglingNamespace(name);
  if (in_lab(ns)) {
    return std::nullopt;
  }
  for (const auto& pattern : allowed) {
    if (std::regex_search(shown, pattern)) {
      return std::nullopt;
    }
  }
  if (name == "DW.ref.__gxx_personality_v0") {
    return std::nullopt;
  }
  if (ns && IsWeakDefinition(nm.type)) {
    return std::nullopt;  // instantiations, inline functions
  }
  return violation(1,
                   fmt::format("defines a symbol outside namespace {}: {} (put your helpers inside "
                               "namespace {}, in an unnamed namespace, or make them static)",
                               JoinNamespaces(rules.namespaces), shown,
                               rules.namespaces.empty() ? "" : rules.namespaces[0]));
}

}  // namespace

std::optional<RuleViolation> CheckSymbols(std::string_view nm_output, const ObjectRules& rules) {
  std::vector<std::regex> allowed, forbidden;
  for (const auto& p : rules.allowed_symbols) {
    allowed.emplace_back(p, std::regex::ECMAScript);
  }
  for (const auto& p : rules.forbidden_symbols) {
    forbidden.emplace_back(p, std::regex::ECMAScript);
  }
  std::optional<std::pair<int, RuleViolation>> worst;
  std::istringstream in{std::string(nm_output)};
  std::string line;
  while (std::getline(in, line)) {
    std::optional<NmLine> nm = ParseNmLine(line);
    if (!nm) {
      continue;
    }
    auto found = CheckSymbol(*nm, line, rules, allowed, forbidden);
    if (found && (!worst || found->first > worst->first)) {
      worst = std::move(found);
    }
  }
  if (!worst) {
    return std::nullopt;
  }
  return std::move(worst->second);
}

std::optional<RuleViolation> CheckSections(std::string_view readelf_output) {
  // "File: out/obj/student/x.o" headers, then "  [ 5] .name  TYPE ..." lines.
  static const std::regex file_line(R"(^File: (\S+)$)");
  static const std::regex section_line(R"(^\s*\[\s*\d+\]\s+(\S+))");
  std::istringstream in{std::string(readelf_output)};
  std::string line, file;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, file_line)) {
      file = m[1];
      continue;
    }
    if (!std::regex_search(line, m, section_line)) {
      continue;
    }
    std::string section = m[1];
    for (const char* forbidden : kForbiddenSections) {
      if (section == forbidden || StartsWith(section, std::string(forbidden) + ".")) {
        return RuleViolation{
            fmt::format("has a {} section: code there would run before the sanitizers and the "
                        "harness are ready (use ordinary functions and constructors)",
                        section),
            SourceOfObject(file), line};
      }
    }
  }
  return std::nullopt;
}

std::optional<RuleViolation> CheckInstructions(std::string_view objdump_syscall_lines) {
  // Lines "<object> <address>: <instruction>", made by build.cc's awk filter.
  std::istringstream in{std::string(objdump_syscall_lines)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    std::string object = line.substr(0, line.find(' '));
    if (!object.empty() && object.back() == ':') {
      object.pop_back();
    }
    return RuleViolation{
        "contains a raw system call instruction (inline assembly): submissions may make "
        "system calls only through the C library",
        SourceOfObject(object), line};
  }
  return std::nullopt;
}

}  // namespace labkit::grader
