// grader/build.h: compile a submission's files against a kit and link a test binary.
//
// Everything runs in the sandbox (sandbox.h): the compiler sees the kit's public
// headers (read-only, at /labkit/kit), the submission's scratch tree (read-only,
// at /labkit/src, also the working directory) and an output directory
// (writable, at /labkit/out). The linker also sees the kit's link inputs
// (read-only, at /labkit/lib). A compile or link error is a BuildResult, never an
// exception; only a sandbox that cannot start at all is a grader fault.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "grader/kit.h"

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
  // Extra forbidden-symbol patterns (lab.json "forbidden_symbols"), on top of
  // BuiltinForbiddenSymbols().
  std::vector<std::string> forbidden_symbols;
};

struct BuildResult {
  bool ok = false;
  std::string stage;             // "compile", "symbols" or "link" when !ok
  std::string errors;            // for the student: first errors, trimmed, paths relative
  std::string log;               // the compiler's whole output, for the instructor
  std::filesystem::path binary;  // host path of the linked test binary when ok
};

// Compiles `sources` (paths relative to `source_root`) with `kit` and links them into
// <out_dir>/test_binary. `out_dir` is created; it must not be shared between builds.
BuildResult BuildTestBinary(const StagedKit& kit, const std::filesystem::path& source_root,
                            const std::vector<std::string>& sources,
                            const std::filesystem::path& out_dir, const BuildOptions& options);

// Symbols a submission's object files may neither define nor refer to: ECMAScript regular
// expressions, searched (std::regex_search) in each demangled symbol name as `nm -C` prints
// it. Student code runs in the test process, so it could otherwise call the harness's
// reporting functions (labkit::ReportFraction, labkit::ObserveText), replace the harness,
// or call a lab's private copy of its reference (namespace <lab>_reference by convention).
// labkit::NotImplemented (LABKIT_TODO) stays allowed.
const std::vector<std::string>& BuiltinForbiddenSymbols();

struct ForbiddenSymbol {
  std::string file;     // the object file (as nm named it), "" when nm printed no name
  std::string symbol;   // demangled
  std::string pattern;  // the pattern it matched
};

// The first symbol in `nm_output` (the output of `nm -C -A` over one or more objects:
// "file:value type name" lines) that matches one of `patterns`. Throws std::regex_error
// for a bad pattern.
std::optional<ForbiddenSymbol> FindForbiddenSymbol(std::string_view nm_output,
                                                   const std::vector<std::string>& patterns);

// Compiler output for a person: sandbox paths rewritten relative to the submission,
// at most `max_lines` lines and `max_bytes` bytes, with a note of what was cut.
std::string TrimCompilerOutput(std::string_view log, size_t max_lines = 40,
                               size_t max_bytes = 4096);

// Where the build's mounts appear inside the sandbox.
inline constexpr const char* kSandboxKitDir = "/labkit/kit";
inline constexpr const char* kSandboxLibDir = "/labkit/lib";
inline constexpr const char* kSandboxSrcDir = "/labkit/src";
inline constexpr const char* kSandboxOutDir = "/labkit/out";

}  // namespace labkit::grader
