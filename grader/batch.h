// grader/batch.h: grading a class (`labkit-grader batch`) and merging shards (`merge`).
//
//   class folder or zip --(class_intake.h)--> submissions
//       --(N at once, one Grader)--> DIR/<id>/{results.json, instructor.log, record.json}
//       --> DIR/gradebook.csv, DIR/report.html (class_report.h)
//
// Design. The unit of work is one submission, and its record.json is the
// commit point: results.json and instructor.log are written first, each
// atomically (a temporary file, fsync, rename), then record.json the same
// way, then a line in DIR/journal.log. A batch killed at any moment (kill -9,
// a power cut) leaves every submission either committed or not started, never
// half-written; `--resume` grades exactly the ones without a record whose
// upload hash and grader key still match (a changed upload, or a changed lab,
// kit or reference, is graded again), and the gradebook comes out the same.
//
// A submission's score is what `labkit grade` gives it alone: the same Grader
// grades it the same way (its tests one at a time; the jobs are whole
// submissions side by side, each with run uids of its own: sandbox_ids.h).
//
// Sharding (`--shard K/N`) gives each of N machines a deterministic slice:
// the submissions whose id hashes to K mod N. `merge` puts shard outputs
// together; the merged gradebook equals an unsharded run's.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "grader/class_intake.h"
#include "grader/grade.h"

namespace labkit::grader {

struct BatchOptions {
  std::filesystem::path input;    // the class: a folder or a zip
  std::filesystem::path out_dir;  // DIR
  int jobs = 1;                   // submissions graded at once
  bool resume = false;
  int shard_index = 0;         // K of --shard K/N
  int shard_count = 1;         // N
  bool live_progress = false;  // a live bar on a terminal; plain lines otherwise
};

// One test of a graded submission, for the class report.
struct TestRecord {
  std::string suite;
  std::string name;
  std::string item;  // rubric item
  bool passed = false;
  bool hidden = false;
  double seconds = 0;
  std::string reason;  // why it failed (instructor-only: hidden tests' too)
};

// What the class-level outputs need from one graded submission
// (DIR/<dir_name>/record.json).
struct SubmissionRecord {
  std::string id, dir_name, name, email;
  std::string upload_hash;  // of the upload's bytes, to notice a changed upload
  std::string grader_key;   // Grader::Key(): lab, kits and reference
  double score = 0;
  std::string status;  // StatusName()
  std::string detail;  // the rejection, compile error's first line, ...
  std::vector<std::pair<std::string, double>> items;  // rubric item -> points earned
  std::vector<TestRecord> tests;
  double seconds = 0;
};

nlohmann::json RecordToJson(const SubmissionRecord& record);
SubmissionRecord RecordFromJson(const nlohmann::json& j);  // throws on a malformed record
SubmissionRecord MakeRecord(const ClassSubmission& submission, const std::string& upload_hash,
                            const std::string& grader_key, const GradeResult& result);

// What a class's outputs need to know about the lab (DIR/batch.json), so that
// `merge` can write them without the lab at hand.
struct BatchInfo {
  std::string lab_id, lab_title, grader_key;
  std::vector<std::pair<std::string, double>> items;  // rubric item -> points (of 100)
  int shard_index = 0, shard_count = 1;
  int submissions_in_class = 0;  // before sharding
};
nlohmann::json InfoToJson(const BatchInfo& info);
BatchInfo InfoFromJson(const nlohmann::json& j);

// The shard (0..count-1) a submission id belongs to: FNV-1a of the id.
int ShardOf(const std::string& id, int count);

// SHA-256 over an upload: a file's bytes, or a folder's sorted relative paths
// and files (links by their target, never followed).
std::string UploadHash(const std::filesystem::path& upload);

// Grades the class. Returns the process exit status: 0 when every submission
// was graded (whatever the scores), 1 when the batch itself could not run
// (the message on `log` says why).
int RunBatch(Grader& grader, const BatchOptions& options, std::ostream& log);

// Merges shard directories into `out_dir`: copies each submission's folder,
// checks that the shards are of one lab and one grader key and cover every
// slice once, and writes the gradebook and report. Returns an exit status.
int MergeBatches(const std::vector<std::filesystem::path>& shards,
                 const std::filesystem::path& out_dir, std::ostream& log);

// Writes DIR/gradebook.csv and DIR/report.html for `records` (any order).
void WriteClassOutputs(const BatchInfo& info, std::vector<SubmissionRecord> records,
                       const std::filesystem::path& out_dir);

// Writes `text` to `path` atomically: a temporary file beside it, fsync, rename.
void WriteFileAtomically(const std::filesystem::path& path, const std::string& text);

}  // namespace labkit::grader
