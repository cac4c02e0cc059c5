// simulate_stream: a caseload read in chunks of whole lines, each chunk decoded and evaluated
// on a worker, the cases counted in line order.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <functional>
#include <istream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "jointly/server/case_decoder.hpp"
#include "jointly/server/service.hpp"

namespace jointly::server {
namespace {

// Whole lines of the caseload, the first numbered `first_line`, and what counting them gave.
struct Chunk {
    // The lines, followed by CaseDecoder::kPadding readable bytes: in `text`, or in the
    // caller's mapped file.
    std::string_view lines;
    std::string text;  // the lines and padding when the chunk holds its own copy
    std::size_t first_line = 0;
    Simulation::Tally tally;  // its cases, counted apart
    std::vector<Simulation::Evaluated> evaluated;  // its cases, kept only when the simulation wants them
    std::exception_ptr failure;  // what evaluating or counting it threw
};

// Where the chunks come from: the next chunk of whole lines, in input order, or false at the
// end of the input (called by one worker at a time); `counted` is told, in input order, of
// each chunk once it is counted (called by the thread that counts).
class ChunkSource {
public:
    virtual ~ChunkSource() = default;
    virtual bool next(Chunk& chunk) = 0;
    virtual void counted(const Chunk& chunk) { (void)chunk; }

protected:
    ChunkSource() = default;
    ChunkSource(const ChunkSource&) = default;
    ChunkSource& operator=(const ChunkSource&) = default;
};

// Reads up to `size` bytes into `into`, fewer only at the end of the input; throws on an error.
using ReadFn = std::function<std::size_t(char* into, std::size_t size)>;

// Cuts a stream into chunks of at least `bytes` bytes (or to the end of the input), each
// ending at a line end; a line longer than `bytes` makes a chunk of its own.
class ChunkReader final : public ChunkSource {
public:
    ChunkReader(ReadFn read, std::size_t bytes) : read_(std::move(read)), bytes_(std::max<std::size_t>(1, bytes)) {}

    bool next(Chunk& chunk) override {
        // The chunk's buffer is kept from its last use: no allocation, no fresh pages.
        std::string& text = chunk.text;
        text.assign(carry_);
        carry_.clear();
        std::size_t searched = 0;  // no line end before this, from bytes_ - 1 on
        for (;;) {
            const auto end = text.size() < bytes_ ? std::string::npos : text.find('\n', std::max(searched, bytes_ - 1));
            if (end != std::string::npos) {
                carry_.assign(text, end + 1);
                text.resize(end + 1);
                break;
            }
            searched = std::max(searched, text.size());
            if (ended_) break;  // the end of the input: what is left is the last chunk
            const std::size_t had = text.size();
            const std::size_t want = std::max(bytes_, had);  // doubling for a line longer than bytes_
            text.resize(had + want);
            const std::size_t got = read_(text.data() + had, want);
            text.resize(had + got);
            ended_ = got < want;
        }
        if (text.empty()) return false;
        chunk.first_line = line_;
        line_ += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        const std::size_t size = text.size();
        text.append(CaseDecoder::kPadding, ' ');
        chunk.lines = std::string_view(text.data(), size);
        return true;
    }

private:
    ReadFn read_;
    std::size_t bytes_;
    bool ended_ = false;
    std::string carry_;  // read, not yet in a chunk
    std::size_t line_ = 1;
};

ReadFn stream_read(std::istream& in) {
    return [&in](char* into, std::size_t size) {
        in.read(into, static_cast<std::streamsize>(size));
        return static_cast<std::size_t>(in.gcount());
    };
}

// A file descriptor read to its end (a pipe gives what it has; this waits for the rest).
ReadFn fd_read(int fd) {
    return [fd](char* into, std::size_t size) {
        std::size_t got = 0;
        while (got < size) {
            const ssize_t n = ::read(fd, into + got, size - got);
            if (n == 0) break;
            if (n < 0) {
                if (errno == EINTR) continue;
                throw std::runtime_error(std::string("cannot read the caseload: ") + std::strerror(errno));
            }
            got += static_cast<std::size_t>(n);
        }
        return got;
    };
}

// An open file descriptor, closed when it goes.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

// A regular file of known, non-zero size mapped into memory, read-only; not ok() for anything
// else (a pipe, a device, a file that says its size is 0, as /proc's do), which is read as a
// stream from the same descriptor.
class MappedFile {
public:
    explicit MappedFile(int fd) {
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return;
        void* at = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
        if (at == MAP_FAILED) return;
        data_ = static_cast<const char*>(at);
        size_ = static_cast<std::size_t>(st.st_size);
        ::madvise(at, size_, MADV_SEQUENTIAL);
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() {
        if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
    }
    bool ok() const { return data_ != nullptr; }
    std::string_view text() const { return {data_, size_}; }
    // Gives back the memory of the pages wholly before `end` (they are read again from the
    // file should anything touch them), so a caseload larger than memory runs in bounded
    // memory.
    void release(std::size_t end) {
        const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        const std::size_t upto = end / page * page;
        if (data_ == nullptr || upto <= released_) return;
        ::madvise(const_cast<char*>(data_) + released_, upto - released_, MADV_DONTNEED);
        released_ = upto;
    }

private:
    const char* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t released_ = 0;
};

// Cuts a mapped file into chunks as ChunkReader cuts a stream, without copying: a chunk is a
// view of the mapping, but for the last bytes of the file, which are copied so that padding
// follows them.
class MappedReader final : public ChunkSource {
public:
    MappedReader(MappedFile& file, std::size_t bytes) : file_(file), bytes_(std::max<std::size_t>(1, bytes)) {}

    bool next(Chunk& chunk) override {
        const std::string_view all = file_.text();
        if (at_ >= all.size()) return false;
        std::size_t end = all.size() - at_ <= bytes_ ? std::string_view::npos : all.find('\n', at_ + bytes_ - 1);
        end = end == std::string_view::npos ? all.size() : end + 1;
        const std::string_view lines = all.substr(at_, end - at_);
        chunk.first_line = line_;
        line_ += static_cast<std::size_t>(std::count(lines.begin(), lines.end(), '\n'));
        if (all.size() - end >= CaseDecoder::kPadding) {
            chunk.lines = lines;
        } else {
            chunk.text.assign(lines);
            chunk.text.append(CaseDecoder::kPadding, ' ');
            chunk.lines = std::string_view(chunk.text.data(), lines.size());
        }
        at_ = end;
        return true;
    }
    void counted(const Chunk& chunk) override {
        // Chunks are counted in order; a view or a copy, a chunk's lines are its bytes of the file.
        counted_ += chunk.lines.size();
        file_.release(counted_);
    }

private:
    MappedFile& file_;
    std::size_t bytes_;
    std::size_t at_ = 0;       // the next chunk's first byte (by the worker reading)
    std::size_t line_ = 1;
    std::size_t counted_ = 0;  // bytes counted (by the thread that counts)
};

// Decodes, evaluates and counts the chunk's cases into its own tally (on a worker).
void evaluate_chunk(const Simulation& simulation, Chunk& chunk, CaseDecoder& decoder, bool keep) {
    chunk.evaluated.clear();
    chunk.tally = Simulation::Tally{};
    chunk.failure = nullptr;
    try {
        std::string_view rest = chunk.lines;
        for (std::size_t number = chunk.first_line; !rest.empty(); ++number) {
            const auto end = rest.find('\n');
            const auto line = rest.substr(0, end);
            rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
            if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
            auto e = simulation.evaluate_line(line, number, decoder);
            simulation.count(chunk.tally, e);
            if (keep) chunk.evaluated.push_back(std::move(e));
        }
    } catch (...) {
        chunk.failure = std::current_exception();
    }
}

// A ring of chunks between the workers and the thread that counts. Each worker in turn reads
// the next chunk (in input order, one reader at a time, outside the lock) into a slot the
// counting thread has finished with, then decodes, evaluates and counts it on its own; the
// counting thread adds the chunks' tallies in input order. So every core decodes and
// evaluates, at most `slots` chunks are held whatever the caseload's size, and the figures are
// those of a serial run.
class Pipeline {
public:
    Pipeline(ChunkSource& source, Simulation& simulation, std::size_t workers)
        : simulation_(simulation),
          reader_(source),
          keep_(simulation.wants_cases()),
          slots_(4 * workers),
          done_(slots_.size(), false) {
        for (std::size_t w = 0; w < workers; ++w) decoders_.push_back(std::make_unique<CaseDecoder>());
        try {
            for (std::size_t w = 0; w < workers; ++w) threads_.emplace_back([this, w] { work(*decoders_[w]); });
        } catch (...) {
            stop();  // the threads started are joined as threads_ goes
            throw;
        }
    }
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;
    // Should counting throw, the workers stop after their chunk and are joined.
    ~Pipeline() { stop(); }

    // Adds every chunk to the simulation, in input order; rethrows what a worker met.
    void count() {
        for (std::size_t seq = 0;; ++seq) {
            Chunk* chunk = nullptr;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [&] { return done_[seq % slots_.size()] || (end_ && read_ == seq); });
                if (!done_[seq % slots_.size()]) break;  // every chunk read is counted
                chunk = &slots_[seq % slots_.size()];
            }
            if (chunk->failure) std::rethrow_exception(chunk->failure);
            simulation_.absorb(std::move(chunk->tally), chunk->evaluated);
            reader_.counted(*chunk);
            {
                const std::lock_guard lock(mutex_);
                done_[seq % slots_.size()] = false;
                ++counted_;
            }
            free_.notify_one();
        }
        if (read_failure_) std::rethrow_exception(read_failure_);
    }

private:
    void stop() {
        {
            const std::lock_guard lock(mutex_);
            stop_ = true;
        }
        free_.notify_all();
    }

    void work(CaseDecoder& decoder) {
        for (;;) {
            std::size_t seq = 0;
            {
                std::unique_lock lock(mutex_);
                free_.wait(lock, [&] { return stop_ || end_ || (!reading_ && read_ - counted_ < slots_.size()); });
                if (stop_ || end_) return;
                seq = read_;
                reading_ = true;
            }
            // Read outside the lock (a pipe may keep it waiting), one worker at a time, in order.
            bool more = false;
            std::exception_ptr failure;
            try {
                more = reader_.next(slots_[seq % slots_.size()]);
            } catch (...) {
                failure = std::current_exception();
            }
            {
                const std::lock_guard lock(mutex_);
                reading_ = false;
                if (more) {
                    ++read_;
                } else {
                    end_ = true;
                    read_failure_ = failure;
                }
            }
            free_.notify_all();
            if (!more) {
                ready_.notify_all();
                return;
            }
            evaluate_chunk(simulation_, slots_[seq % slots_.size()], decoder, keep_);
            {
                const std::lock_guard lock(mutex_);
                done_[seq % slots_.size()] = true;
            }
            ready_.notify_one();
        }
    }

    Simulation& simulation_;
    ChunkSource& reader_;  // next() by the worker that set reading_
    const bool keep_;
    std::vector<Chunk> slots_;  // chunk `seq` in slots_[seq % size]
    std::mutex mutex_;
    std::condition_variable free_;   // a slot counted, or the end
    std::condition_variable ready_;  // a chunk evaluated, or the end
    std::size_t read_ = 0;     // chunks read (the next one's seq)
    std::size_t counted_ = 0;  // chunks counted
    std::vector<bool> done_;   // per slot: evaluated, not yet counted
    bool end_ = false;         // the input is read to its end (or failed)
    bool reading_ = false;     // a worker is reading chunk read_ (outside the lock)
    bool stop_ = false;
    std::exception_ptr read_failure_;
    std::vector<std::unique_ptr<CaseDecoder>> decoders_;
    std::vector<std::jthread> threads_;  // last: joined before the rest is destroyed
};

std::size_t worker_count(const StreamOptions& options) {
    return options.threads > 0 ? options.threads : std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

}  // namespace

void simulate_stream(std::istream& in, Simulation& simulation, const StreamOptions& options) {
    ChunkReader reader(stream_read(in), options.chunk_bytes);
    Pipeline(reader, simulation, worker_count(options)).count();
}

bool simulate_file(const std::string& path, Simulation& simulation, const StreamOptions& options) {
    // Opened once: a named pipe opened and closed to look at it would lose its writer.
    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return false;
    MappedFile file(fd.get());
    if (file.ok()) {
        MappedReader reader(file, options.chunk_bytes);
        Pipeline(reader, simulation, worker_count(options)).count();
    } else {
        ChunkReader reader(fd_read(fd.get()), options.chunk_bytes);
        Pipeline(reader, simulation, worker_count(options)).count();
    }
    return true;
}

}  // namespace jointly::server
