// simulate_stream: a caseload read in chunks of whole lines, each chunk decoded and evaluated
// on a worker, the cases counted in line order.
#include <algorithm>
#include <atomic>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "jointly/server/case_decoder.hpp"
#include "jointly/server/service.hpp"

namespace jointly::server {
namespace {

// Whole lines of the caseload, the first numbered `first_line`.
struct Chunk {
    std::string text;  // the lines, then CaseDecoder::kPadding bytes
    std::size_t size = 0;  // of the lines
    std::size_t first_line = 0;
    std::vector<Simulation::Evaluated> evaluated;  // one per line that is not blank, in order
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

void evaluate_chunk(const Simulation& simulation, Chunk& chunk, CaseDecoder& decoder) {
    chunk.evaluated.clear();
    std::string_view rest(chunk.text.data(), chunk.size);
    for (std::size_t number = chunk.first_line; !rest.empty(); ++number) {
        const auto end = rest.find('\n');
        const auto line = rest.substr(0, end);
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        chunk.evaluated.push_back(simulation.evaluate_line(line, number, decoder));
    }
}

}  // namespace

// Batches of chunks: while the workers decode and evaluate one batch (taking its chunks in
// turn), this thread counts the batch before it and reads the one after into the batch
// counted before that. Three batches are held, so memory is bounded by the chunk size, not
// by the caseload.
void simulate_stream(std::istream& in, Simulation& simulation, const StreamOptions& options) {
    const std::size_t workers =
        options.threads > 0 ? options.threads : std::max<std::size_t>(1, std::thread::hardware_concurrency());
    const std::size_t chunks_per_batch = 4 * workers;
    ChunkReader reader(in, options.chunk_bytes);
    std::vector<std::unique_ptr<CaseDecoder>> decoders;
    for (std::size_t w = 0; w < workers; ++w) decoders.push_back(std::make_unique<CaseDecoder>());
    // Reads into a batch counted before, reusing its chunks' buffers.
    auto read = [&](std::vector<Chunk>& batch) {
        batch.resize(chunks_per_batch);
        std::size_t n = 0;
        while (n < chunks_per_batch && reader.next(batch[n])) ++n;
        batch.resize(n);
    };
    auto count = [&simulation](std::vector<Chunk>& batch) {
        for (auto& chunk : batch)
            for (auto& e : chunk.evaluated) simulation.record(std::move(e));
    };
    std::vector<Chunk> current;
    std::vector<Chunk> next;
    std::vector<Chunk> done;
    read(current);
    while (!current.empty()) {
        std::atomic<std::size_t> taken{0};
        auto work = [&simulation, &current, &taken](CaseDecoder* decoder) {
            for (std::size_t i = taken++; i < current.size(); i = taken++) evaluate_chunk(simulation, current[i], *decoder);
        };
        // The workers only read `simulation` (evaluate_line is const); counting the batch
        // before writes only its totals.
        // jthread: should counting or reading throw, the workers are joined, not abandoned.
        std::vector<std::jthread> threads;
        for (std::size_t w = 0; w < workers; ++w) threads.emplace_back(work, decoders[w].get());
        count(done);
        read(next);
        threads.clear();  // joins
        std::swap(done, current);
        std::swap(current, next);
    }
    count(done);
}

}  // namespace jointly::server
