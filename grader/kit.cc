// grader/kit.cc: reading and staging grading kits.
//
// Design: the grader must not depend on Bazel's output tree staying put while it
// grades (a rebuild can replace files under it), and the sandbox must see only
// the kit's headers, not the whole execroot (which holds the solutions and the
// hidden tests). So every kit is copied once into the cache, keyed by the hash of
// its contents: identical kits share a directory, a changed kit gets a new one,
// and the hash doubles as the key of the cached reference run (grade.cc).
// Symlinks (runfiles trees and _virtual_includes are made of them) are
// dereferenced, so the staged copy is self-contained and can be bind-mounted.
// Headers under a `hidden/` directory are never staged: they belong to hidden
// tests, which a submission must not be able to #include.
#include "grader/kit.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "grader/files.h"
#include "grader/sandbox_ids.h"

namespace labkit::grader {
namespace fs = std::filesystem;
namespace {

// --- SHA-256 (FIPS 180-4), small and dependency-free. ---
class Sha256 {
 public:
  void Update(const unsigned char* data, size_t size) {
    for (size_t i = 0; i < size; ++i) {
      block_[used_++] = data[i];
      if (used_ == 64) {
        Compress();
        used_ = 0;
      }
    }
    length_ += size;
  }
  void Update(std::string_view s) {
    Update(reinterpret_cast<const unsigned char*>(s.data()), s.size());
  }
  std::string HexDigest() {
    std::uint64_t bits = length_ * 8;
    unsigned char pad = 0x80;
    Update(&pad, 1);
    unsigned char zero = 0;
    while (used_ != 56) {
      Update(&zero, 1);
    }
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) {
      len[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    }
    Update(len, 8);
    std::string out;
    for (std::uint32_t word : h_) {
      out += fmt::format("{:08x}", word);
    }
    return out;
  }

 private:
  static std::uint32_t Rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void Compress() {
    static constexpr std::uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    std::uint32_t w[64];
    for (size_t i = 0; i < 16; ++i) {
      w[i] = (std::uint32_t{block_[4 * i]} << 24) | (std::uint32_t{block_[4 * i + 1]} << 16) |
             (std::uint32_t{block_[4 * i + 2]} << 8) | std::uint32_t{block_[4 * i + 3]};
    }
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6],
                  h = h_[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t t1 =
          h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      std::uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
    h_[5] += f;
    h_[6] += g;
    h_[7] += h;
  }

  std::array<std::uint32_t, 8> h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  unsigned char block_[64] = {};
  size_t used_ = 0;
  std::uint64_t length_ = 0;
};

std::string ReadWhole(const fs::path& file) {
  std::optional<std::string> text = ReadWholeFile(file);
  if (!text) {
    throw KitError(fmt::format("cannot read {}", file.string()));
  }
  return *std::move(text);
}

std::vector<std::string> StringList(const nlohmann::json& j, const char* key,
                                    std::string_view source) {
  auto it = j.find(key);
  if (it == j.end()) {
    return {};
  }
  if (!it->is_array()) {
    throw KitError(fmt::format("{}: \"{}\" is not a list", source, key));
  }
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) {
      throw KitError(fmt::format("{}: \"{}\" holds a non-string", source, key));
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

void CheckExecPath(const std::string& path, std::string_view source) {
  if (path.empty() || path.front() == '/') {
    throw KitError(fmt::format("{}: file path \"{}\" is not a relative exec path", source, path));
  }
  for (const auto& part : fs::path(path)) {
    if (part == "..") {
      throw KitError(fmt::format("{}: file path \"{}\" has '..'", source, path));
    }
  }
}

fs::path Locate(const KitManifest& kit, const KitFiles& files, const std::string& exec_path) {
  if (files.layout == KitFiles::Layout::kExecroot) {
    fs::path in_execroot = files.root / exec_path;
    std::error_code ec;
    if (fs::exists(in_execroot, ec)) {
      return in_execroot;
    }
    if (exec_path.starts_with("external/")) {
      // <output_base>/execroot/<workspace> -> <output_base>/external/...
      fs::path in_output_base = files.root.parent_path().parent_path() / exec_path;
      if (fs::exists(in_output_base, ec)) {
        return in_output_base;
      }
    } else if (!exec_path.starts_with("bazel-out/") && !files.source_root.empty() &&
               fs::exists(files.source_root / exec_path, ec)) {
      return files.source_root / exec_path;
    }
    return in_execroot;
  }
  auto it = kit.short_paths.find(exec_path);
  const std::string& short_path = it != kit.short_paths.end() ? it->second : exec_path;
  return (files.root / files.workspace / short_path).lexically_normal();
}

void CopyDereferenced(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::path real = fs::canonical(from, ec);
  if (ec || !fs::is_regular_file(real, ec)) {
    throw KitError(fmt::format(
        "kit file {} is missing; rebuild the kit (./labkit builds kits with Bazel) and check "
        "--execroot/--runfiles",
        from.string()));
  }
  fs::create_directories(to.parent_path());
  fs::copy_file(real, to, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    throw KitError(
        fmt::format("cannot copy {} to {}: {}", real.string(), to.string(), ec.message()));
  }
  fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                          fs::perms::others_read);
}

// Headers: everyone may read them. Link inputs: as root, root and the kit
// group only (see StagedKit).
void SetStagedPermissions(const fs::path& dir) {
  const bool as_root = geteuid() == 0;
  const gid_t kit_gid = SandboxIds().KitGid();
  std::error_code ec;
  auto apply = [&](const fs::path& root, bool private_to_kit_group) {
    auto set = [&](const fs::path& path, bool is_dir) {
      if (private_to_kit_group && as_root) {
        lchown(path.c_str(), 0, kit_gid);
        fs::permissions(path, is_dir ? fs::perms(0750) : fs::perms(0640), ec);
      } else {
        fs::permissions(path, is_dir ? fs::perms(0755) : fs::perms(0644), ec);
      }
    };
    set(root, true);
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      set(it->path(), it->is_directory());
    }
  };
  fs::permissions(dir, fs::perms(0755), ec);
  apply(dir / "headers", false);
  apply(dir / "libs", true);
}

}  // namespace

bool KitManifest::ReservesHugeAddressSpace() const {
  for (const auto& flags : {compile_flags, link_flags}) {
    for (const auto& flag : flags) {
      if (flag.starts_with("-fsanitize=") &&
          (flag.find("address") != std::string::npos || flag.find("thread") != std::string::npos)) {
        return true;
      }
    }
  }
  return false;
}

KitManifest ParseKitManifest(std::string_view json_text, std::string_view source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw KitError(fmt::format("{}: not a kit manifest (invalid JSON: {})", source, e.what()));
  }
  if (!j.is_object() || !j.contains("compiler") || !j["compiler"].is_string() ||
      !j.contains("linker") || !j["linker"].is_string()) {
    throw KitError(fmt::format("{}: not a kit manifest (no \"compiler\"/\"linker\")", source));
  }
  KitManifest kit;
  kit.compiler = j["compiler"].get<std::string>();
  kit.linker = j["linker"].get<std::string>();
  kit.compile_flags = StringList(j, "compile_flags", source);
  kit.defines = StringList(j, "defines", source);
  kit.quote_includes = StringList(j, "quote_includes", source);
  kit.includes = StringList(j, "includes", source);
  kit.system_includes = StringList(j, "system_includes", source);
  kit.headers = StringList(j, "headers", source);
  kit.link_flags = StringList(j, "link_flags", source);
  if (auto it = j.find("link_inputs"); it != j.end()) {
    if (!it->is_array()) {
      throw KitError(fmt::format("{}: \"link_inputs\" is not a list", source));
    }
    for (const auto& input : *it) {
      if (!input.is_object() || !input.contains("path") || !input["path"].is_string()) {
        throw KitError(fmt::format("{}: a link input has no \"path\"", source));
      }
      kit.link_inputs.push_back(
          {input["path"].get<std::string>(), input.value("whole_archive", false)});
    }
  }
  if (auto it = j.find("short_paths"); it != j.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      if (value.is_string()) {
        kit.short_paths[key] = value.get<std::string>();
      }
    }
  }
  for (const auto& h : kit.headers) {
    CheckExecPath(h, source);
  }
  for (const auto& l : kit.link_inputs) {
    CheckExecPath(l.path, source);
  }
  return kit;
}

bool IsUnderHiddenDir(std::string_view exec_path) {
  fs::path p{std::string(exec_path)};
  for (auto it = p.begin(); it != p.end(); ++it) {
    if (std::next(it) != p.end() && *it == "hidden") {
      return true;
    }
  }
  return false;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.HexDigest();
}

std::string Sha256OfFile(const fs::path& file) { return Sha256Hex(ReadWhole(file)); }

StagedKit StageKit(const fs::path& manifest_path, const KitFiles& files,
                   const fs::path& cache_dir) {
  std::string text;
  try {
    text = ReadWhole(manifest_path);
  } catch (const KitError&) {
    throw KitError(
        fmt::format("cannot read kit manifest {} (build it first: bazel build --config=reference "
                    "<kit label>)",
                    manifest_path.string()));
  }
  StagedKit staged;
  staged.manifest = ParseKitManifest(text, manifest_path.string());
  const KitManifest& kit = staged.manifest;

  // Hash everything the kit is made of, in manifest order. The version names
  // the staged layout and its permissions: a change gets fresh directories.
  Sha256 hash;
  hash.Update("labkit-staged-kit-v2\n");
  hash.Update(text);
  Sha256 compile_key;
  for (const auto& part : {std::vector<std::string>{kit.compiler}, kit.compile_flags, kit.defines,
                           kit.quote_includes, kit.includes, kit.system_includes}) {
    for (const auto& item : part) {
      compile_key.Update(item);
      compile_key.Update(std::string_view("\0", 1));
    }
    compile_key.Update(std::string_view("\1", 1));
  }
  std::vector<std::string> visible_headers;
  for (const auto& h : kit.headers) {
    if (!IsUnderHiddenDir(h)) {
      visible_headers.push_back(h);
    }
  }
  std::sort(visible_headers.begin(), visible_headers.end());
  auto fold = [&](const std::string& exec_path) {
    fs::path where = Locate(kit, files, exec_path);
    std::error_code ec;
    fs::path real = fs::canonical(where, ec);
    if (ec) {
      throw KitError(fmt::format("kit file {} is missing (looked at {}); rebuild the kit",
                                 exec_path, where.string()));
    }
    hash.Update(exec_path);
    hash.Update(std::string_view("\0", 1));
    hash.Update(Sha256OfFile(real));
  };
  for (const auto& h : kit.headers) {
    fold(h);
  }
  for (const auto& l : kit.link_inputs) {
    fold(l.path);
  }
  staged.hash = hash.HexDigest();
  for (const auto& h : visible_headers) {
    compile_key.Update(h);
    compile_key.Update(std::string_view("\0", 1));
    compile_key.Update(Sha256OfFile(fs::canonical(Locate(kit, files, h))));
  }
  staged.compile_key = compile_key.HexDigest();
  staged.dir = cache_dir / "kits" / staged.hash;

  std::error_code ec;
  if (fs::exists(staged.dir / "STAGED", ec)) {
    return staged;
  }

  // Stage into a private directory, then rename: concurrent graders never see half a kit.
  std::random_device random;
  fs::path tmp = cache_dir / "kits" / fmt::format(".tmp-{}-{:08x}", getpid(), random());
  fs::create_directories(tmp);
  try {
    for (const auto& h : kit.headers) {
      if (IsUnderHiddenDir(h)) {
        continue;
      }
      CopyDereferenced(Locate(kit, files, h), tmp / "headers" / h);
    }
    fs::create_directories(tmp / "headers");
    for (const auto& l : kit.link_inputs) {
      CopyDereferenced(Locate(kit, files, l.path), tmp / "libs" / l.path);
    }
    fs::create_directories(tmp / "libs");
    std::ofstream(tmp / "kit.json") << text;
    std::ofstream(tmp / "STAGED") << "ok\n";
    SetStagedPermissions(tmp);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  fs::rename(tmp, staged.dir, ec);
  if (ec) {
    // Someone else staged the same kit first; theirs is identical.
    fs::remove_all(tmp, ec);
    if (!fs::exists(staged.dir / "STAGED", ec)) {
      throw KitError(fmt::format("cannot stage kit into {}", staged.dir.string()));
    }
  }
  return staged;
}

}  // namespace labkit::grader
