// grader/build.h: compile a submission's files against a kit and link a test binary.
//
// Everything runs in the sandbox (sandbox.h). The compiler sees the kit's
// public headers (read-only, at /labkit/kit), the submission's scratch tree
// (read-only, at /labkit/src, also the working directory) and an output
// directory (writable, at /labkit/out), nothing else: not the hidden tests,
// not the solutions, not the grader's cache. The objects are then checked
// against the object rules (object_rules.h: what a submission may define,
// call and contain). The linker alone also sees the kit's link inputs
// (read-only, at /labkit/lib). A compile or link error and a broken rule are a
// BuildResult, never an exception; only a sandbox that cannot start at all is
// a grader fault.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "grader/kit.h"
#include "grader/object_rules.h"

namespace labkit::grader {

// The grader itself could not do its job (not the submission's fault).
class GraderFault : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct BuildOptions {
  BuildOptions() = default;
  // Implicit on purpose: `{seconds}` reads as "these limits" (BuildOptionsFor in
  // lab_config.h gives a lab's full options).
  BuildOptions(double seconds) : compile_seconds(seconds) {}  // NOLINT(google-explicit-constructor)

  double compile_seconds = 120;  // per compiler or linker run
  // The lab's namespaces (default: none, i.e. only weak C++ definitions are
  // allowed), extra allowed definitions and extra forbidden symbols; see
  // object_rules.h. lab_config.h's BuildOptionsFor fills them from lab.json.
  std::vector<std::string> namespaces;
  std::vector<std::string> allowed_symbols;
  std::vector<std::string> forbidden_symbols;
  // As root: the grade group the build's runs use (shared_dirs.h).
  std::optional<gid_t> group;
  int jobs = 1;                     // files compiled at once
  std::filesystem::path cache_dir;  // the grader's cache (RuntimeReservedNames)
};

// Stages of a failed build, as BuildResult::stage and CompiledObjects::stage.
inline constexpr const char* kStageCompile = "compile";
inline constexpr const char* kStageRules = "rules";  // a broken object rule (object_rules.h)
inline constexpr const char* kStageLink = "link";

// A submission's files compiled with one kit's compile settings.
struct CompiledObjects {
  bool ok = false;
  std::string stage;   // kStageCompile or kStageRules when !ok
  std::string errors;  // for the student: first errors, trimmed, paths relative
  std::string log;     // the tools' whole output and the rule's evidence, for the instructor
  std::string rule;    // the broken rule (kStageRules), e.g. "defines a symbol the grader ..."
  std::filesystem::path dir;         // host dir; objects are <dir>/obj/<source>.o
  std::vector<std::string> objects;  // "obj/student/x.o", relative to dir
  // The external definitions the object rules allowed; each kit's link
  // checks them against what its other inputs define (CheckAgainstKit).
  std::vector<StudentDefinition> definitions;
};

struct BuildResult {
  bool ok = false;
  std::string stage;             // kStageCompile, kStageRules or kStageLink when !ok
  std::string errors;            // for the student: first errors, trimmed, paths relative
  std::string log;               // the tools' whole output, for the instructor
  std::string rule;              // kStageRules: the broken rule, as the student sees it
  std::filesystem::path binary;  // host path of the linked test binary when ok
};

// Compiles `sources` (paths relative to `source_root`) with `kit` into
// <out_dir>/obj/ and checks the objects against the object rules. `out_dir`
// is created; it must not be shared between builds. Sealed (shared_dirs.h)
// when done, so no later run can change the objects.
CompiledObjects CompileSubmission(const StagedKit& kit, const std::filesystem::path& source_root,
                                  const std::vector<std::string>& sources,
                                  const std::filesystem::path& out_dir,
                                  const BuildOptions& options);

// Links checked objects with `kit` into <out_dir>/test_binary: the kit's
// whole-archive inputs (the tests, the harness) first, so that where they and
// the submission both define a weak symbol, theirs is used; then the
// submission's objects; then the kit's other archives.
BuildResult LinkTestBinary(const StagedKit& kit, const CompiledObjects& objects,
                           const std::filesystem::path& out_dir, const BuildOptions& options);

// Both, for one kit.
BuildResult BuildTestBinary(const StagedKit& kit, const std::filesystem::path& source_root,
                            const std::vector<std::string>& sources,
                            const std::filesystem::path& out_dir, const BuildOptions& options);

// Symbols a submission's object files may neither define nor refer to: ECMAScript regular
// expressions, searched (std::regex_search) in each demangled symbol name. Student code runs
// in the test process, so it could otherwise call the harness's reporting functions
// (labkit::ReportFraction, labkit::ObserveText), replace the harness, or call a lab's private
// copy of its reference (namespace <lab>_reference by convention). labkit::NotImplemented
// (LABKIT_TODO) stays allowed.
const std::vector<std::string>& BuiltinForbiddenSymbols();

// The names the runtimes reserve (object_rules.h), derived once per compiler
// from its sanitizer headers and its runtime libraries (in the sandbox).
// Cached in <cache_dir>/runtime-names/ (root's only) when cache_dir is given.
const ReservedNames& RuntimeReservedNames(const std::string& compiler,
                                          const std::filesystem::path& cache_dir = {});

// Compiler output for a person: sandbox paths rewritten relative to the submission,
// at most `max_lines` lines and `max_bytes` bytes, with a note of what was cut.
std::string TrimCompilerOutput(std::string_view log, size_t max_lines = 40,
                               size_t max_bytes = 4096);

// Where the build's mounts appear inside the sandbox.
inline constexpr const char* kSandboxKitDir = "/labkit/kit";
inline constexpr const char* kSandboxLibDir = "/labkit/lib";
inline constexpr const char* kSandboxSrcDir = "/labkit/src";
inline constexpr const char* kSandboxOutDir = "/labkit/out";
inline constexpr const char* kSandboxObjDir = "/labkit/obj";

}  // namespace labkit::grader
