// grader/class_intake.h: a class's worth of submissions, as an instructor has them.
//
// `labkit batch` takes one of
//   - a folder with one entry per student: a subfolder or a .zip (or anything
//     else, which is graded as what it is: a rejected upload); the entry's
//     name, without ".zip", is the student's id;
//   - one .zip holding such entries;
//   - a Gradescope "Export Submissions" zip (or its unpacked folder): a
//     submission_metadata.yml beside submission_<n>/ folders, whose
//     submitters' SIDs (or e-mails) are the ids.
// A class zip is unpacked into a scratch folder with the same care as a
// single upload (intake.h): no absolute or `..` paths, caps on size, entries
// and compression ratio. A link or special file inside it is not unpacked;
// the submission it belongs to is rejected with the reason, as `labkit grade`
// would reject it alone. Nothing here grades anything.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace labkit::grader {

struct ClassSubmission {
  std::string id;              // the gradebook's "submission" (SID, e-mail, or entry name)
  std::string dir_name;        // a safe file name for DIR/<dir_name>/ (unique)
  std::filesystem::path path;  // the upload: a directory or a file
  std::string name;            // from Gradescope's metadata, when known
  std::string email;           // likewise
  std::string rejection;       // set when unpacking already refused it
};

struct ClassIntakeOptions {
  std::uint64_t max_total_bytes = 8ULL << 30;  // unpacked bytes of a class zip
  std::uint64_t max_entries = 1000000;
  double max_compression_ratio = 200.0;
};

struct ClassIntake {
  bool ok = false;
  std::string error;                         // when !ok: why the whole input cannot be read
  std::string kind;                          // "folder", "zip", "gradescope export"
  std::vector<ClassSubmission> submissions;  // sorted by id
};

// Lists the submissions in `input` (a folder or a zip). A zip is unpacked
// under `scratch`, which must be an empty or missing directory the caller
// removes when done.
ClassIntake ListClassSubmissions(const std::filesystem::path& input,
                                 const std::filesystem::path& scratch,
                                 const ClassIntakeOptions& options = {});

// A file-name-safe, readable version of an id: letters, digits, '.', '-',
// '_', '@' and '+' kept, anything else '_'; never empty, "." or "..", never
// starting with '.'.
std::string SafeDirName(const std::string& id);

// Parses Gradescope's submission_metadata.yml: folder name -> submitters'
// {sid, name, email} (several for a group). Throws std::runtime_error on
// YAML it cannot read.
struct Submitter {
  std::string sid, name, email;
};
std::map<std::string, std::vector<Submitter>> ParseGradescopeMetadata(const std::string& yaml);

}  // namespace labkit::grader
