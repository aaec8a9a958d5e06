#include "base/redis/redis_reader.h"

#include <new>
#include <vector>

namespace tern {
namespace {

constexpr int kMaxReplyElements = 1 << 20;

// hiredis' default reader functions, whose signatures differ between hiredis versions.
const redisReplyObjectFunctions& default_reader_functions() {
  static const redisReplyObjectFunctions functions = [] {
    redisReader* reader = redisReaderCreate();
    const redisReplyObjectFunctions copy = *reader->fn;
    redisReaderFree(reader);
    return copy;
  }();
  return functions;
}

// hiredis 0.14 callocs whatever count a reply announces: `*700000000` from a broken or
// hostile Redis asks for 5.6 GB (found by fuzz_redis_reply). ternd reads sets of secrets
// and SCAN/MGET batches, far below this bound. A refused array is a null object, which
// hiredis reports as a reader error.
// Not const: hiredis 0.14's reader holds a non-const pointer to it (and never writes).
redisReplyObjectFunctions& bounded_reader_functions() {
  static redisReplyObjectFunctions functions = [] {
    redisReplyObjectFunctions f = default_reader_functions();
    f.createArray = +[](const redisReadTask* task, int elements) -> void* {
      if (elements < 0 || elements > kMaxReplyElements) return nullptr;
      return default_reader_functions().createArray(task, elements);
    };
    return f;
  }();
  return functions;
}

}  // namespace

std::string format_redis_command(std::span<const std::string_view> argv) {
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (std::string_view a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* raw = nullptr;
  const int size =
      redisFormatCommandArgv(&raw, static_cast<int>(args.size()), args.data(), lengths.data());
  if (size < 0 || raw == nullptr) throw std::bad_alloc();
  std::string command(raw, static_cast<size_t>(size));
  redisFreeCommand(raw);
  return command;
}

RedisReader::RedisReader() : reader_(redisReaderCreate()) {
  if (!reader_) throw std::bad_alloc();
  reader_->fn = &bounded_reader_functions();
}

void RedisReader::feed(const char* data, size_t size) {
  redisReaderFeed(reader_.get(), data, size);
}

Result<RedisReplyPtr, std::string> RedisReader::next() {
  void* reply = nullptr;
  if (redisReaderGetReply(reader_.get(), &reply) != REDIS_OK) {
    return unexpected("protocol error: " + std::string(reader_->errstr));
  }
  return RedisReplyPtr(static_cast<redisReply*>(reply));
}

}  // namespace tern
