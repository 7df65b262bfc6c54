#include "proxy/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <exception>
#include <filesystem>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errno_text.h"
#include "proxy/audit_verify.h"

namespace nucleus::proxy {

using nlohmann::json;

namespace {

std::string dump_canonical(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json record_body(const AuditRecord& record, std::uint64_t seq, const std::string& time,
                 const std::string& prev_hash) {
  return json{{"seq", seq},
              {"time", time},
              {"pod", record.pod},
              {"request_id", record.request_id},
              {"event", record.event},
              {"operation", record.operation},
              {"args_digest", record.args_digest},
              {"decision", to_string(record.decision)},
              {"reason", record.reason},
              {"result", record.result},
              {"prev_hash", prev_hash}};
}

// Returns why the record cannot be logged, if it cannot.
std::optional<std::string> validate_record(const AuditRecord& record) {
  if (record.event.empty()) return std::string("audit record has an empty event");
  if (!record.args_digest.empty() && !is_sha256_hex(record.args_digest)) {
    return std::string("audit record args_digest must be 64 lowercase hex digits or empty");
  }
  if (!record.result.is_object()) return std::string("audit record result must be a JSON object");
  const std::size_t result_bytes = dump_canonical(record.result).size();
  if (result_bytes > AuditLog::kMaxResultBytes) {
    return fmt::format("audit record result is {} bytes serialized, the limit is {}; log a summary instead",
                       result_bytes, AuditLog::kMaxResultBytes);
  }
  // The maximum line length this record can reach, with the largest seq and
  // full-length chain fields.
  json longest = record_body(record, std::numeric_limits<std::uint64_t>::max(), std::string(24, '0'),
                             std::string(64, '0'));
  longest["hash"] = std::string(64, '0');
  longest["sig"] = std::string(64, '0');
  const std::size_t line_bytes = dump_canonical(longest).size();
  if (line_bytes > AuditLog::kMaxLineBytes) {
    return fmt::format("audit record would be {} bytes, the limit is {}; shorten the reason or the ids",
                       line_bytes, AuditLog::kMaxLineBytes);
  }
  return std::nullopt;
}

Result<bool> write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t count = ::write(fd, bytes.data(), bytes.size());
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return make_error(syscall_error("write", path));
    if (count == 0) return make_error(syscall_error("write", path, EIO));
    bytes.remove_prefix(static_cast<std::size_t>(count));
  }
  return true;
}

std::string parent_directory(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? std::string(".") : parent;
}

}  // namespace

struct AuditLog::Ticket {
  AuditRecord record;
  std::optional<Result<AuditReceipt>> outcome;  // set by the writer of the ticket's batch
};

struct AuditLog::Batch {
  std::string bytes;                   // all lines of the batch, each "\n"-terminated
  std::vector<AuditReceipt> receipts;  // one per ticket, in order
  AuditChainEnd end;                   // the chain after the batch
};

std::string_view to_string(AuditDecision decision) {
  switch (decision) {
    case AuditDecision::allow: return "allow";
    case AuditDecision::approval_required: return "approval_required";
    case AuditDecision::deny: return "deny";
    case AuditDecision::error: return "error";
  }
  return "error";
}

std::string format_utc_millis(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
  const std::time_t since_epoch = std::chrono::system_clock::to_time_t(seconds);
  std::tm utc{};
  ::gmtime_r(&since_epoch, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

AuditLog::AuditLog(std::string path, SecretKey secret, UniqueFd log_fd, UniqueFd dir_fd, AuditChainEnd end)
    : path_(std::move(path)),
      secret_(std::move(secret)),
      log_fd_(std::move(log_fd)),
      dir_fd_(std::move(dir_fd)),
      end_(std::move(end)) {}

AuditLog::~AuditLog() = default;

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path, const SecretKey& secret) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return make_error(syscall_error("open", path));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return make_error(syscall_error("fstat", path));
  if (!S_ISREG(info.st_mode)) return make_error(fmt::format("audit log {} is not a regular file", path));
  if ((info.st_mode & 0077) != 0) {
    spdlog::warn("audit log is readable by group or others path={} mode={:o}", path, info.st_mode & 0777);
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return make_error(
          fmt::format("audit log {} is locked by another writer; only one proxy may append to it", path));
    }
    return make_error(syscall_error("flock", path));
  }
  const std::string directory = parent_directory(path);
  UniqueFd dir_fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return make_error(syscall_error("open", directory));

  AuditVerifyReport report = verify_audit_fd(fd.get(), path, secret);
  if (!report.ok) {
    return make_error(
        fmt::format("audit log {} failed verification, refusing to append to it: {}", path, report.problem));
  }
  if (!report.head && report.end.seq > 0) {
    return make_error(
        fmt::format("audit log {} has {} records but no head file {}, so a cut tail cannot be "
                    "ruled out; restore the head file, or move the log aside to start a new one",
                    path, report.end.seq, audit_head_path(path)));
  }

  std::unique_ptr<AuditLog> log(new AuditLog(path, secret, std::move(fd), std::move(dir_fd), report.end));
  // A head that lags the log (a stop between the two writes) is brought
  // level, so the next verify checks the whole tail again. An empty log
  // needs no head yet: the first batch writes one.
  if (report.head ? report.head->seq != report.end.seq : report.end.seq > 0) {
    Result<bool> head = log->write_head(report.end);
    if (!head) return make_error(head.error());
  }
  spdlog::info("audit log opened path={} records={}", path, report.end.seq);
  return log;
}

Result<AuditReceipt> AuditLog::append(AuditRecord record) {
  if (auto problem = validate_record(record)) return make_error(*problem);
  Ticket ticket{std::move(record), std::nullopt};

  std::unique_lock lock(mutex_);
  queue_.push_back(&ticket);
  // A caller that finds no batch in flight writes everything queued so far.
  // The others wait for that batch, then one of them writes the next.
  while (!ticket.outcome) {
    if (!writing_) {
      write_queued_batch(lock);
    } else {
      written_.wait(lock);
    }
  }
  return std::move(*ticket.outcome);
}

AuditChainEnd AuditLog::end() const {
  std::lock_guard lock(mutex_);
  return end_;
}

void AuditLog::write_queued_batch(std::unique_lock<std::mutex>& lock) {
  std::vector<Ticket*> tickets;
  tickets.swap(queue_);
  if (!unusable_reason_.empty()) {
    for (Ticket* ticket : tickets) ticket->outcome = make_error(unusable_reason_);
    return;
  }
  writing_ = true;
  const AuditChainEnd start = end_;
  lock.unlock();

  std::optional<WriteFailure> failure;
  std::optional<std::string> head_error;
  Batch batch;
  try {
    batch = serialize_batch(tickets, start);
    failure = write_durably(batch, start);
    if (!failure) {
      Result<bool> head = write_head(batch.end);
      if (!head) head_error = head.error();
    }
  } catch (const std::exception& error) {
    // Only serialization can throw (e.g. bad_alloc), before anything is written.
    failure = WriteFailure{fmt::format("audit append failed: {}", error.what())};
  }

  lock.lock();
  writing_ = false;
  complete_batch(tickets, batch, failure, head_error);
  written_.notify_all();
}

void AuditLog::complete_batch(const std::vector<Ticket*>& tickets, const Batch& batch,
                              const std::optional<WriteFailure>& failure,
                              const std::optional<std::string>& head_error) {
  if (failure) {
    spdlog::error("audit append failed path={} records={} error={}", path_, tickets.size(), failure->message);
    if (failure->state_unknown) unusable_reason_ = failure->message;
    for (Ticket* ticket : tickets) ticket->outcome = make_error(failure->message);
    return;
  }

  end_ = batch.end;
  if (head_error) spdlog::error("audit head update failed path={} error={}", path_, *head_error);
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    if (head_error) {
      tickets[i]->outcome =
          make_error(fmt::format("audit record {} is in the log but the head file was not replaced: {}",
                                 batch.receipts[i].seq, *head_error));
    } else {
      tickets[i]->outcome = batch.receipts[i];
    }
  }
}

AuditLog::Batch AuditLog::serialize_batch(const std::vector<Ticket*>& tickets,
                                          const AuditChainEnd& start) const {
  Batch batch;
  batch.end = start;
  const std::string time = format_utc_millis(std::chrono::system_clock::now());
  for (const Ticket* ticket : tickets) {
    const std::uint64_t seq = batch.end.seq + 1;
    json record = record_body(ticket->record, seq, time, batch.end.line_hash);
    const std::string hash = audit_record_hash(record);
    record["hash"] = hash;
    record["sig"] = hmac_sha256_hex(secret_, hash);
    const std::string line = dump_canonical(record);

    batch.bytes += line;
    batch.bytes += '\n';
    batch.receipts.push_back(AuditReceipt{seq, hash});
    batch.end.seq = seq;
    batch.end.record_hash = hash;
    batch.end.line_hash = sha256_hex(line);
    batch.end.file_size += line.size() + 1;
  }
  return batch;
}

// Writes the batch and makes it durable. Returns nullopt on success.
std::optional<AuditLog::WriteFailure> AuditLog::write_durably(const Batch& batch,
                                                              const AuditChainEnd& start) {
  WriteFailure failure;
  Result<bool> written = write_all(log_fd_.get(), batch.bytes, path_);
  if (!written) {
    failure.message = written.error();
  } else if (::fdatasync(log_fd_.get()) != 0) {
    // NOTE: no test reaches this branch; it needs a device that fails
    // writeback.
    failure.message = syscall_error("fdatasync", path_);
    // After a failed fdatasync Linux may already have dropped the dirty
    // pages, so what is on disk is unknown even after the truncate below.
    failure.state_unknown = true;
  } else {
    return std::nullopt;
  }

  // Cut the partial batch off again so the file ends with the last durable
  // record and the chain can continue from it.
  if (::ftruncate(log_fd_.get(), static_cast<off_t>(start.file_size)) != 0) {
    failure.message += "; " + syscall_error("ftruncate", path_);
    failure.state_unknown = true;
  }
  if (failure.state_unknown) {
    failure.message +=
        "; the audit log is now in an unknown state, so every further append fails until it is reopened";
  }
  return failure;
}

Result<bool> AuditLog::write_head(const AuditChainEnd& end) const {
  const std::string head_path = audit_head_path(path_);
  const std::string temp_path = head_path + ".tmp";
  const std::string text = serialize_audit_head(AuditHead{end.seq, end.record_hash}, secret_);

  UniqueFd fd(::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return make_error(syscall_error("open", temp_path));
  Result<bool> written = write_all(fd.get(), text, temp_path);
  if (!written) return written;
  if (::fsync(fd.get()) != 0) return make_error(syscall_error("fsync", temp_path));
  if (::rename(temp_path.c_str(), head_path.c_str()) != 0)
    return make_error(syscall_error("rename", temp_path));
  // The rename is durable only once the directory entry is.
  if (::fsync(dir_fd_.get()) != 0) return make_error(syscall_error("fsync", parent_directory(path_)));
  return true;
}

}  // namespace nucleus::proxy
