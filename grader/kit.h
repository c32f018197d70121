// grader/kit.h: a grading kit (tools/lab.bzl's <suite>_kit.kit.json), staged for use.
//
// A kit manifest names its files by Bazel exec path. StageKit finds them (in an
// execroot, or in a runfiles tree through the manifest's "short_paths"), copies
// them into the grader's cache dir (symlinks dereferenced) under a directory
// named by the hash of their contents, and returns where everything now is.
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace labkit::grader {

// A kit cannot be read or staged; the message says which file and what to do.
class KitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct KitLinkInput {
  std::string path;  // exec path
  bool whole_archive = false;
};

struct KitManifest {
  std::string compiler;
  std::vector<std::string> compile_flags;
  std::vector<std::string> defines;
  std::vector<std::string> quote_includes;
  std::vector<std::string> includes;
  std::vector<std::string> system_includes;
  std::vector<std::string> headers;  // exec paths
  std::string linker;
  std::vector<KitLinkInput> link_inputs;
  std::vector<std::string> link_flags;
  std::map<std::string, std::string> short_paths;  // exec path -> runfiles path

  // The kit's code is built with AddressSanitizer or ThreadSanitizer. Both reserve
  // terabytes of address space at fixed places for their shadow memory, so RLIMIT_AS must
  // stay off (memory is then held by the RSS watchdog).
  bool ReservesHugeAddressSpace() const;
};

KitManifest ParseKitManifest(std::string_view json_text, std::string_view source);

// Where a kit's files are found.
struct KitFiles {
  enum class Layout {
    kExecroot,  // <root>/<exec path>  (`bazel info execution_root`)
    kRunfiles,  // <root>/<workspace>/<short path>  (a test's runfiles dir, kits as data)
  };
  Layout layout = Layout::kExecroot;
  std::filesystem::path root;
  std::string workspace = "labkit";
  // kExecroot only: where source files are when the execroot no longer links
  // them (Bazel relinks the execroot's top-level dirs for each build, so after
  // building something else `labs/` may be gone). Usually the workspace.
  std::filesystem::path source_root;
};

struct StagedKit {
  KitManifest manifest;
  std::string hash;  // SHA-256 over the manifest and every file's contents
  // SHA-256 over what decides how a submission's files compile: the compiler,
  // its flags, defines, include directories and the headers' contents. Two
  // kits with the same key (a lab's public and hidden kits, usually) compile a
  // submission to the same objects, so the grader compiles it once.
  std::string compile_key;
  // <dir>/headers/<exec path>: the headers a submission may include (none under a
  // `hidden/` directory), readable by everyone. <dir>/libs/<exec path>: the
  // link inputs (compiled tests, hidden ones included): as root, readable only
  // by root and the kit group (sandbox_ids.h), which only the linker's runs
  // get, so that no compile or test can read (or `.incbin`) a hidden test.
  std::filesystem::path dir;
  std::filesystem::path HeaderRoot() const { return dir / "headers"; }
  std::filesystem::path LibRoot() const { return dir / "libs"; }
};

// Reads `manifest_path` and stages its files under <cache_dir>/kits/<hash>/ (reused
// when already there). Throws KitError.
StagedKit StageKit(const std::filesystem::path& manifest_path, const KitFiles& files,
                   const std::filesystem::path& cache_dir);

// True if an exec path has a directory component named "hidden".
bool IsUnderHiddenDir(std::string_view exec_path);

// Hex SHA-256 of bytes, and of a file's contents (KitError if unreadable).
std::string Sha256Hex(std::string_view bytes);
std::string Sha256OfFile(const std::filesystem::path& file);

}  // namespace labkit::grader
