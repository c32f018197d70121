// grader/batch.cc: grading a class and merging shards (see batch.h).
#include "grader/batch.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "grader/class_report.h"
#include "grader/files.h"
#include "grader/kit.h"
#include "grader/report.h"

namespace labkit::grader {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

std::string Now() {
  std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

std::string Minutes(double seconds) {
  if (seconds < 60) {
    return fmt::format("{:.0f}s", seconds);
  }
  if (seconds < 3600) {
    return fmt::format("{}m{:02.0f}s", static_cast<int>(seconds) / 60, std::fmod(seconds, 60.0));
  }
  return fmt::format("{}h{:02}m", static_cast<int>(seconds) / 3600,
                     (static_cast<int>(seconds) / 60) % 60);
}

// Appends one line to DIR/journal.log and flushes it to disk.
void Journal(const fs::path& out_dir, const std::string& line) {
  int fd = open((out_dir / "journal.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return;
  }
  std::string text = Now() + " " + line + "\n";
  ssize_t ignored = write(fd, text.data(), text.size());
  (void)ignored;
  fsync(fd);
  close(fd);
}

// Progress for a person: a live bar on a terminal, one plain line per
// submission otherwise (a log file, CI).
class Progress {
 public:
  Progress(std::ostream& log, int total, int already_done, bool live)
      : log_(log), total_(total), done_(already_done), live_(live), start_(Clock::now()) {}

  void Done(const SubmissionRecord& record) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++done_;
    ++graded_now_;
    if (record.status != "ok") {
      ++failures_;
    }
    double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    double eta = elapsed / graded_now_ * (total_ - done_);
    if (live_) {
      const int width = 30;
      int filled = total_ > 0 ? width * done_ / total_ : width;
      log_ << fmt::format("\r\x1b[K[{}{}] {}/{}  failures {}  ETA {}  {} {:.1f}",
                          std::string(filled, '#'), std::string(width - filled, '.'), done_, total_,
                          failures_, Minutes(eta), record.id, record.score)
           << std::flush;
    } else {
      log_ << fmt::format("[{}/{}] {}: {} {} ({:.1f} s){}\n", done_, total_, record.id,
                          FormatScore(record.score), record.status, record.seconds,
                          failures_ > 0 ? fmt::format(", failures so far {}", failures_) : "");
    }
  }

  void Finish() {
    if (live_) {
      log_ << "\n";
    }
    log_ << std::flush;
  }

  static std::string FormatScore(double score) { return fmt::format("{:.2f}", score); }

 private:
  std::mutex mutex_;
  std::ostream& log_;
  int total_, done_, graded_now_ = 0, failures_ = 0;
  bool live_;
  Clock::time_point start_;
};

std::optional<SubmissionRecord> ReadRecord(const fs::path& file) {
  std::optional<std::string> text = ReadWholeFile(file);
  if (!text) {
    return std::nullopt;
  }
  try {
    return RecordFromJson(nlohmann::json::parse(*text));
  } catch (const std::exception&) {
    return std::nullopt;  // damaged: grade again
  }
}

void HashTree(const fs::path& dir, const std::string& prefix, std::string& digest_input) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    fs::path path = dir / name;
    std::string relative = prefix.empty() ? name : prefix + "/";
    if (!prefix.empty()) {
      relative += name;
    }
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      digest_input += "link " + relative + " -> " + fs::read_symlink(path, ec).string() + "\n";
    } else if (S_ISDIR(st.st_mode)) {
      digest_input += "dir " + relative + "\n";
      HashTree(path, relative, digest_input);
    } else if (S_ISREG(st.st_mode)) {
      digest_input += "file " + relative + " " + Sha256OfFile(path) + "\n";
    } else {
      digest_input += "other " + relative + "\n";
    }
  }
}

// The first line that says "error" (a compiler's "In function ..." lines
// come first), or the first line.
std::string FirstErrorLine(const std::string& text) {
  std::istringstream lines(text);
  std::string line, first;
  while (std::getline(lines, line)) {
    if (first.empty()) {
      first = line;
    }
    if (line.find("error") != std::string::npos) {
      first = line;
      break;
    }
  }
  if (first.size() > 200) {
    first = first.substr(0, 200) + "...";
  }
  return first;
}

}  // namespace

// ---------------------------------------------------------------------------
// Records.

nlohmann::json RecordToJson(const SubmissionRecord& r) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [name, points] : r.items) {
    items.push_back({{"item", name}, {"points", points}});
  }
  nlohmann::json tests = nlohmann::json::array();
  for (const TestRecord& t : r.tests) {
    tests.push_back({{"suite", t.suite},
                     {"name", t.name},
                     {"item", t.item},
                     {"passed", t.passed},
                     {"hidden", t.hidden},
                     {"seconds", std::round(t.seconds * 1000) / 1000},
                     {"reason", t.reason}});
  }
  return {{"id", r.id},
          {"dir", r.dir_name},
          {"name", r.name},
          {"email", r.email},
          {"upload_hash", r.upload_hash},
          {"grader_key", r.grader_key},
          {"score", r.score},
          {"status", r.status},
          {"detail", r.detail},
          {"items", items},
          {"tests", tests},
          {"seconds", r.seconds}};
}

SubmissionRecord RecordFromJson(const nlohmann::json& j) {
  SubmissionRecord r;
  r.id = j.at("id").get<std::string>();
  r.dir_name = j.at("dir").get<std::string>();
  r.name = j.value("name", "");
  r.email = j.value("email", "");
  r.upload_hash = j.at("upload_hash").get<std::string>();
  r.grader_key = j.at("grader_key").get<std::string>();
  r.score = j.at("score").get<double>();
  r.status = j.at("status").get<std::string>();
  r.detail = j.value("detail", "");
  for (const auto& item : j.at("items")) {
    r.items.emplace_back(item.at("item").get<std::string>(), item.at("points").get<double>());
  }
  for (const auto& t : j.at("tests")) {
    r.tests.push_back({t.at("suite").get<std::string>(), t.at("name").get<std::string>(),
                       t.at("item").get<std::string>(), t.at("passed").get<bool>(),
                       t.at("hidden").get<bool>(), t.at("seconds").get<double>(),
                       t.value("reason", "")});
  }
  r.seconds = j.at("seconds").get<double>();
  return r;
}

SubmissionRecord MakeRecord(const ClassSubmission& submission, const std::string& upload_hash,
                            const std::string& grader_key, const GradeResult& result) {
  SubmissionRecord r;
  r.id = submission.id;
  r.dir_name = submission.dir_name;
  r.name = submission.name;
  r.email = submission.email;
  r.upload_hash = upload_hash;
  r.grader_key = grader_key;
  r.score = std::round(result.score.total * 100) / 100;
  r.status = StatusName(result.Status());
  if (!result.intake_error.empty()) {
    r.detail = result.intake_error;
  } else if (std::string rule = result.RejectedRule(); !rule.empty()) {
    r.detail = "the submission " + rule;
  } else if (result.nothing_submitted) {
    r.detail = "the upload holds none of the lab's files";
  } else if (const SuiteResult* failed = result.FirstBuildFailure()) {
    r.detail = FirstErrorLine(failed->build.errors);
  } else if (result.tests_not_run > 0) {
    r.detail = fmt::format("{} tests not run: the time budget ran out", result.tests_not_run);
  }
  for (const ItemScore& item : result.score.items) {
    r.items.emplace_back(item.item->name, std::round(item.earned * 100) / 100);
    for (const TestScore& t : item.tests) {
      TestRecord test;
      test.suite = item.item->suite;
      test.name = t.name;
      test.item = item.item->name;
      test.passed = t.passed;
      const SuiteConfig* suite = result.lab.FindSuite(item.item->suite);
      test.hidden = suite != nullptr && suite->visibility == Visibility::kHidden;
      if (const TestRun* run = result.FindRun(test.suite, t.name)) {
        test.seconds = run->seconds;
        test.reason = run->passed ? "" : run->reason;
      } else {
        test.reason = result.Compiled() ? "not run" : "not built";
      }
      r.tests.push_back(std::move(test));
    }
  }
  r.seconds = result.seconds;
  return r;
}

nlohmann::json InfoToJson(const BatchInfo& info) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [name, points] : info.items) {
    items.push_back({{"item", name}, {"points", points}});
  }
  return {{"lab", info.lab_id},
          {"title", info.lab_title},
          {"grader_key", info.grader_key},
          {"items", items},
          {"shard", {info.shard_index, info.shard_count}},
          {"submissions_in_class", info.submissions_in_class}};
}

BatchInfo InfoFromJson(const nlohmann::json& j) {
  BatchInfo info;
  info.lab_id = j.at("lab").get<std::string>();
  info.lab_title = j.value("title", "");
  info.grader_key = j.at("grader_key").get<std::string>();
  for (const auto& item : j.at("items")) {
    info.items.emplace_back(item.at("item").get<std::string>(), item.at("points").get<double>());
  }
  info.shard_index = j.at("shard").at(0).get<int>();
  info.shard_count = j.at("shard").at(1).get<int>();
  info.submissions_in_class = j.value("submissions_in_class", 0);
  return info;
}

int ShardOf(const std::string& id, int count) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a, 64 bits
  for (unsigned char c : id) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return count <= 1 ? 0 : static_cast<int>(hash % static_cast<std::uint64_t>(count));
}

std::string UploadHash(const fs::path& upload) {
  struct stat st;
  if (lstat(upload.c_str(), &st) != 0) {
    return Sha256Hex("missing");
  }
  if (S_ISREG(st.st_mode)) {
    return Sha256Hex("file " + Sha256OfFile(upload));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Sha256Hex("other");
  }
  std::string input;
  HashTree(upload, "", input);
  return Sha256Hex(input);
}

void WriteFileAtomically(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += fmt::format(".tmp{}-{:08x}", getpid(), std::random_device{}());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw GraderFault("cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n <= 0) {
      close(fd);
      fs::remove(tmp);
      throw GraderFault("cannot write " + tmp.string() + " (disk full?)");
    }
    written += static_cast<size_t>(n);
  }
  fsync(fd);
  close(fd);
  fs::rename(tmp, path);
}

// ---------------------------------------------------------------------------
// Batch.

namespace {

struct Job {
  ClassSubmission submission;
  std::string upload_hash;
};

BatchInfo MakeInfo(const Grader& grader, const BatchOptions& options, int class_size) {
  BatchInfo info;
  info.lab_id = grader.lab().id;
  info.lab_title = grader.lab().title;
  info.grader_key = grader.Key();
  double total = grader.lab().TotalPoints();
  for (const RubricItem& item : grader.lab().rubric) {
    info.items.emplace_back(item.name, total > 0 ? item.points * 100 / total : 0);
  }
  info.shard_index = options.shard_index;
  info.shard_count = options.shard_count;
  info.submissions_in_class = class_size;
  return info;
}

// Removes temporary files a killed batch left behind.
void RemoveStaleTemporaries(const fs::path& out_dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(out_dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->path().filename().string().find(".tmp") != std::string::npos &&
        it->is_regular_file(ec)) {
      fs::remove(it->path(), ec);
    }
  }
}

}  // namespace

int RunBatch(Grader& grader, const BatchOptions& options, std::ostream& log) {
  std::error_code ec;
  const fs::path out = fs::absolute(options.out_dir);
  if (fs::exists(out / "batch.json", ec) && !options.resume) {
    log << "labkit-grader batch: " << out.string()
        << " already holds a batch: add --resume to finish it, or choose another --out\n";
    return 1;
  }
  if (fs::exists(out, ec) && !fs::is_directory(out, ec)) {
    log << "labkit-grader batch: " << out.string() << " is not a directory\n";
    return 1;
  }
  fs::create_directories(out, ec);
  if (ec) {
    log << "labkit-grader batch: cannot create " << out.string() << ": " << ec.message() << "\n";
    return 1;
  }
  RemoveStaleTemporaries(out);

  // The class, unpacked next to the grader's work (never inside DIR).
  fs::path scratch = grader.options().cache_dir / "work" /
                     fmt::format("class-{}-{:08x}", getpid(), std::random_device{}());
  struct ScratchRemover {
    fs::path path;
    ~ScratchRemover() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } remover{scratch};
  ClassIntake intake = ListClassSubmissions(options.input, scratch);
  if (!intake.ok) {
    log << "labkit-grader batch: " << intake.error << "\n";
    return 1;
  }
  const int class_size = static_cast<int>(intake.submissions.size());
  if (options.resume && fs::exists(out / "batch.json", ec)) {
    try {
      BatchInfo previous =
          InfoFromJson(nlohmann::json::parse(ReadWholeFile(out / "batch.json").value_or("{}")));
      if (previous.lab_id != grader.lab().id || previous.shard_index != options.shard_index ||
          previous.shard_count != options.shard_count) {
        log << "labkit-grader batch: " << out.string() << " holds a batch of lab "
            << previous.lab_id << " (shard " << previous.shard_index << "/" << previous.shard_count
            << "): --resume must grade the same lab and shard\n";
        return 1;
      }
    } catch (const std::exception&) {
      // A damaged batch.json is rewritten below.
    }
  }
  BatchInfo info = MakeInfo(grader, options, class_size);
  WriteFileAtomically(out / "batch.json", InfoToJson(info).dump(2) + "\n");

  std::vector<Job> jobs;
  std::vector<SubmissionRecord> records;
  for (ClassSubmission& s : intake.submissions) {
    if (ShardOf(s.id, options.shard_count) != options.shard_index) {
      continue;
    }
    std::string hash = UploadHash(s.path);
    if (options.resume) {
      std::optional<SubmissionRecord> done = ReadRecord(out / s.dir_name / "record.json");
      if (done && done->upload_hash == hash && done->grader_key == info.grader_key &&
          done->id == s.id) {
        records.push_back(*std::move(done));
        continue;
      }
    }
    jobs.push_back({std::move(s), std::move(hash)});
  }
  const int total = static_cast<int>(records.size() + jobs.size());
  log << fmt::format(
      "labkit-grader batch: {} — {} submission{} ({}{}), {} to grade, {} at once\n",
      grader.lab().id, total, total == 1 ? "" : "s", intake.kind,
      options.shard_count > 1
          ? fmt::format(", shard {}/{} of {}", options.shard_index, options.shard_count, class_size)
          : "",
      jobs.size(), std::max(1, std::min(options.jobs, static_cast<int>(jobs.size()))));
  Journal(out, fmt::format("{} {} submissions, {} to grade", options.resume ? "resume" : "start",
                           total, jobs.size()));

  Progress progress(log, total, static_cast<int>(records.size()), options.live_progress);
  std::mutex records_mutex;
  std::atomic<size_t> next{0};
  std::atomic<bool> fault{false};
  std::string fault_message;
  auto worker = [&] {
    for (size_t i = next++; i < jobs.size() && !fault; i = next++) {
      const Job& job = jobs[i];
      try {
        GradeResult result;
        if (!job.submission.rejection.empty()) {
          result = grader.Rejected(job.submission.rejection);
        } else {
          result = grader.GradeUpload(job.submission.path);
        }
        SubmissionRecord record =
            MakeRecord(job.submission, job.upload_hash, info.grader_key, result);
        fs::path dir = out / job.submission.dir_name;
        fs::create_directories(dir);
        WriteFileAtomically(dir / "results.json", GradescopeResults(result).dump(2) + "\n");
        WriteFileAtomically(dir / "instructor.log", InstructorLog(result));
        WriteFileAtomically(dir / "record.json", RecordToJson(record).dump(2) + "\n");
        Journal(out,
                fmt::format("graded {} score {:.2f} {}", record.id, record.score, record.status));
        progress.Done(record);
        std::lock_guard<std::mutex> lock(records_mutex);
        records.push_back(std::move(record));
      } catch (const std::exception& e) {
        // A fault of the grader or the lab, not of a submission: stop, keep
        // what is committed, and say so (a --resume continues from here).
        std::lock_guard<std::mutex> lock(records_mutex);
        if (!fault.exchange(true)) {
          fault_message = e.what();
        }
      }
    }
  };
  const int threads = std::max(1, std::min<int>(options.jobs, static_cast<int>(jobs.size())));
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back(worker);
  }
  for (auto& t : pool) {
    t.join();
  }
  progress.Finish();
  if (fault) {
    Journal(out, "stopped: " + fault_message);
    log << "labkit-grader batch: grader fault: " << fault_message
        << "\nWhat was graded is kept; fix the cause and run again with --resume.\n";
    return 1;
  }
  WriteClassOutputs(info, records, out);
  Journal(out, fmt::format("finished {} submissions", records.size()));
  log << fmt::format("labkit-grader batch: wrote {}, {} and {} submission folders\n",
                     (out / "gradebook.csv").string(), (out / "report.html").string(),
                     records.size());
  return 0;
}

// ---------------------------------------------------------------------------
// Merge.

int MergeBatches(const std::vector<fs::path>& shards, const fs::path& out_dir, std::ostream& log) {
  std::error_code ec;
  std::optional<BatchInfo> merged;
  std::set<int> seen_shards;
  std::vector<SubmissionRecord> records;
  std::set<std::string> ids;
  fs::create_directories(out_dir, ec);
  for (const fs::path& shard : shards) {
    std::optional<std::string> text = ReadWholeFile(shard / "batch.json");
    if (!text) {
      log << "labkit-grader merge: " << shard.string() << " is not a batch (no batch.json)\n";
      return 1;
    }
    BatchInfo info;
    try {
      info = InfoFromJson(nlohmann::json::parse(*text));
    } catch (const std::exception& e) {
      log << "labkit-grader merge: " << (shard / "batch.json").string() << ": " << e.what() << "\n";
      return 1;
    }
    if (!merged) {
      merged = info;
    } else if (info.lab_id != merged->lab_id || info.grader_key != merged->grader_key ||
               info.shard_count != merged->shard_count) {
      log << "labkit-grader merge: " << shard.string()
          << " was graded with another lab, grader or shard count than " << shards[0].string()
          << "\n";
      return 1;
    }
    if (!seen_shards.insert(info.shard_index).second) {
      log << "labkit-grader merge: shard " << info.shard_index << " is given twice\n";
      return 1;
    }
    for (const auto& entry : fs::directory_iterator(shard, ec)) {
      if (!entry.is_directory()) {
        continue;
      }
      std::optional<SubmissionRecord> record = ReadRecord(entry.path() / "record.json");
      if (!record) {
        continue;
      }
      if (!ids.insert(record->id).second) {
        log << "labkit-grader merge: submission " << record->id << " is in two shards\n";
        return 1;
      }
      fs::path dest = out_dir / record->dir_name;
      if (fs::absolute(dest) != fs::absolute(entry.path())) {
        fs::remove_all(dest, ec);
        fs::copy(entry.path(), dest, fs::copy_options::recursive, ec);
      }
      records.push_back(*std::move(record));
    }
  }
  if (!merged) {
    log << "labkit-grader merge: no shards given\n";
    return 2;
  }
  std::vector<int> missing;
  for (int k = 0; k < merged->shard_count; ++k) {
    if (!seen_shards.count(k)) {
      missing.push_back(k);
    }
  }
  merged->shard_index = 0;
  merged->shard_count = 1;
  WriteFileAtomically(out_dir / "batch.json", InfoToJson(*merged).dump(2) + "\n");
  WriteClassOutputs(*merged, records, out_dir);
  log << fmt::format("labkit-grader merge: {} submissions from {} shard{} into {}\n",
                     records.size(), seen_shards.size(), seen_shards.size() == 1 ? "" : "s",
                     out_dir.string());
  if (!missing.empty()) {
    std::string list;
    for (int k : missing) {
      list += (list.empty() ? "" : ", ") + std::to_string(k);
    }
    log << "labkit-grader merge: shards missing: " << list << " (the gradebook lacks them)\n";
    return 1;
  }
  return 0;
}

void WriteClassOutputs(const BatchInfo& info, std::vector<SubmissionRecord> records,
                       const fs::path& out_dir) {
  fs::create_directories(out_dir);
  std::sort(records.begin(), records.end(),
            [](const SubmissionRecord& a, const SubmissionRecord& b) { return a.id < b.id; });
  WriteFileAtomically(out_dir / "gradebook.csv", GradebookCsv(info, records));
  WriteFileAtomically(out_dir / "report.html", ClassReportHtml(info, records));
}

}  // namespace labkit::grader
