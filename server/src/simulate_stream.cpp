// simulate_stream: a caseload read in chunks of whole lines, each chunk decoded and evaluated
// on a worker, the cases counted in line order.
#include <algorithm>
#include <condition_variable>
#include <exception>
#include <istream>
#include <memory>
#include <mutex>
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
    std::string text;  // the lines, then CaseDecoder::kPadding bytes
    std::size_t size = 0;  // of the lines
    std::size_t first_line = 0;
    Simulation::Tally tally;  // its cases, counted apart
    std::vector<Simulation::Evaluated> evaluated;  // its cases, kept only when the simulation wants them
    std::exception_ptr failure;  // what evaluating or counting it threw
};

// Cuts the input into chunks of at least `bytes` bytes (or to the end of the input), each
// ending at a line end; a line longer than `bytes` makes a chunk of its own.
class ChunkReader {
public:
    ChunkReader(std::istream& in, std::size_t bytes) : in_(in), bytes_(std::max<std::size_t>(1, bytes)) {}

    // False at the end of the input.
    bool next(Chunk& chunk) {
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
            if (!in_) break;  // the end of the input: what is left is the last chunk
            const std::size_t had = text.size();
            const std::size_t want = std::max(bytes_, had);  // doubling for a line longer than bytes_
            text.resize(had + want);
            in_.read(text.data() + had, static_cast<std::streamsize>(want));
            text.resize(had + static_cast<std::size_t>(in_.gcount()));
        }
        if (text.empty()) return false;
        chunk.size = text.size();
        chunk.first_line = line_;
        line_ += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        text.append(CaseDecoder::kPadding, ' ');
        return true;
    }

private:
    std::istream& in_;
    std::size_t bytes_;
    std::string carry_;  // read, not yet in a chunk
    std::size_t line_ = 1;
};

// Decodes, evaluates and counts the chunk's cases into its own tally (on a worker).
void evaluate_chunk(const Simulation& simulation, Chunk& chunk, CaseDecoder& decoder, bool keep) {
    chunk.evaluated.clear();
    chunk.tally = Simulation::Tally{};
    chunk.failure = nullptr;
    try {
        std::string_view rest(chunk.text.data(), chunk.size);
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
// the next chunk (in input order, under the lock) into a slot the counting thread has
// finished with, then decodes, evaluates and counts it on its own; the counting thread adds
// the chunks' tallies in input order. So every core decodes and evaluates, at most `slots`
// chunks are held whatever the caseload's size, and the figures are those of a serial run.
class Pipeline {
public:
    Pipeline(std::istream& in, Simulation& simulation, const StreamOptions& options, std::size_t workers)
        : simulation_(simulation),
          reader_(in, options.chunk_bytes),
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
                free_.wait(lock, [&] { return stop_ || end_ || read_ - counted_ < slots_.size(); });
                if (stop_ || end_) return;
                seq = read_;
                bool more = false;
                try {
                    more = reader_.next(slots_[seq % slots_.size()]);
                } catch (...) {
                    read_failure_ = std::current_exception();
                }
                if (!more) {
                    end_ = true;
                    lock.unlock();
                    ready_.notify_all();
                    free_.notify_all();
                    return;
                }
                ++read_;
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
    ChunkReader reader_;  // under mutex_
    const bool keep_;
    std::vector<Chunk> slots_;  // chunk `seq` in slots_[seq % size]
    std::mutex mutex_;
    std::condition_variable free_;   // a slot counted, or the end
    std::condition_variable ready_;  // a chunk evaluated, or the end
    std::size_t read_ = 0;     // chunks read (the next one's seq)
    std::size_t counted_ = 0;  // chunks counted
    std::vector<bool> done_;   // per slot: evaluated, not yet counted
    bool end_ = false;         // the input is read to its end (or failed)
    bool stop_ = false;
    std::exception_ptr read_failure_;
    std::vector<std::unique_ptr<CaseDecoder>> decoders_;
    std::vector<std::jthread> threads_;  // last: joined before the rest is destroyed
};

}  // namespace

void simulate_stream(std::istream& in, Simulation& simulation, const StreamOptions& options) {
    const std::size_t workers =
        options.threads > 0 ? options.threads : std::max<std::size_t>(1, std::thread::hardware_concurrency());
    Pipeline(in, simulation, options, workers).count();
}

}  // namespace jointly::server
