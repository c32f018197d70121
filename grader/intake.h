// grader/intake.h: take in a student upload (a directory or a .zip).
//
// Design. An upload is untrusted data from an LMS or Gradescope, laid out in
// whatever way the student's zip tool chose. Intake turns it into a fresh
// scratch tree holding ONLY the lab's allow-listed files, and nothing else:
//
//   1. Read the whole upload into a list of (path, content) without touching
//      the disk: a zip through libarchive, a directory with lstat (links are
//      never followed). Anything dangerous rejects the WHOLE upload: links,
//      devices, FIFOs, absolute paths or `..` components, encrypted, corrupt or
//      truncated zips, and zip bombs (decompressed bytes are counted as they
//      are read, never taken from headers; entry count and compression ratio
//      are capped too).
//   2. Match each allow-listed path (e.g. `student/frame_stack.cc`) to the
//      upload file whose path ends with the longest run of the same path
//      components; the basename must match at least. Zips from LMSes nest
//      files (`handin/labs/frames/student/frame_stack.cc`), students zip bare
//      files (`frame_stack.cc`): both are found. Two equally good candidates are
//      ambiguous and reject the upload, naming both.
//   3. Check the chosen files (size, text only) and copy them to
//      `dest/<allow-listed path>`: destination paths come from the allow-list,
//      never from upload entry names, so nothing can land outside dest.
//
// Nothing is written before every check has passed; if writing fails, dest is
// emptied again. Files are written 0644 and directories 0755 so the sandbox
// uid (65534) can read them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace labkit::grader {

struct IntakeOptions {
  std::uint64_t max_file_bytes = 1ULL << 20;    // each chosen file
  std::uint64_t max_total_bytes = 64ULL << 20;  // all bytes read from the upload
  std::uint64_t max_entries = 10000;            // files + directories in the upload
  // Decompressed bytes / size of the .zip; checked once past 1 MiB decompressed.
  double max_compression_ratio = 100.0;
};

struct AcceptedFile {
  std::string lab_path;     // the allow-listed path, e.g. "student/frame_stack.cc"
  std::string upload_path;  // where it was in the upload, e.g. "handin/student/frame_stack.cc"
};

struct IntakeResult {
  bool ok = false;
  // When !ok: one actionable sentence for the student, e.g. "the upload
  // contains a symbolic link (student/x.cc -> /etc/passwd); upload regular
  // files only". dest is then left empty.
  std::string error;
  std::vector<AcceptedFile> accepted;
  // Every other file of the upload, including silently skipped macOS
  // metadata (`__MACOSX/`, `._*`, `.DS_Store`).
  std::vector<std::string> ignored;
  // Allow-listed paths not found in the upload. Not an error: the caller uses
  // the skeleton's version and says so.
  std::vector<std::string> missing;
};

// Takes in `upload` (a directory, or a file that is a zip by content) and
// copies the allow-listed files it holds to dest/<allow-listed path>. dest
// must not exist or be an empty directory; it is created. Never throws for
// anything about the upload; bad arguments (e.g. an allow-list entry with `..`)
// also come back as !ok.
IntakeResult IntakeSubmission(const std::filesystem::path& upload,
                              const std::vector<std::string>& allow_list,
                              const std::filesystem::path& dest, const IntakeOptions& options = {});

}  // namespace labkit::grader
