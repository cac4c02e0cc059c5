// The text a decision holds, laid out so that a new decision allocates little for it: a reason
// kept inline in its allocation, and the explanation's sentences end to end in one buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <ostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

namespace jointly::engine {

// A short text held inline up to N bytes, on the heap past that. Reads as a std::string_view;
// built and assigned from one explicitly, so that a comparison with a literal has one meaning.
template <std::size_t N>
class InlineText {
public:
    static constexpr std::size_t kInline = N;

    InlineText() noexcept = default;
    explicit InlineText(std::string_view text) { assign(text); }
    InlineText(const InlineText& other) { assign(other.view()); }
    InlineText(InlineText&& other) noexcept { take(other); }
    InlineText& operator=(const InlineText& other) {
        if (this != &other) assign(other.view());
        return *this;
    }
    InlineText& operator=(InlineText&& other) noexcept {
        if (this != &other) {
            release();
            take(other);
        }
        return *this;
    }
    ~InlineText() { release(); }

    InlineText& operator=(std::string_view text) {
        assign(text);
        return *this;
    }
    // Replaces the text, reusing the memory held (on the heap only past N bytes).
    void assign(std::string_view text) {
        if (text.size() > capacity_) {
            char* grown = new char[text.size()];
            release();
            heap_ = grown;
            capacity_ = text.size();
        }
        if (!text.empty()) std::memmove(data_mut(), text.data(), text.size());
        size_ = text.size();
    }
    void clear() noexcept { size_ = 0; }

    std::string_view view() const noexcept { return {data(), size_}; }
    operator std::string_view() const noexcept { return view(); }  // NOLINT: reads as text
    std::string str() const { return std::string(view()); }
    const char* data() const noexcept { return heap_ != nullptr ? heap_ : inline_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    // Bytes on the heap (none while the text fits inline).
    std::size_t heap_bytes() const noexcept { return heap_ != nullptr ? capacity_ : 0; }

    friend bool operator==(const InlineText& a, const InlineText& b) noexcept { return a.view() == b.view(); }
    friend bool operator==(const InlineText& a, std::string_view b) noexcept { return a.view() == b; }
    friend std::ostream& operator<<(std::ostream& out, const InlineText& text) { return out << text.view(); }

private:
    char* data_mut() noexcept { return heap_ != nullptr ? heap_ : inline_; }
    void release() noexcept {
        delete[] heap_;
        heap_ = nullptr;
        capacity_ = N;
    }
    // Takes `other`'s text, leaving it empty. INVARIANT on entry: this holds no heap memory.
    void take(InlineText& other) noexcept {
        size_ = other.size_;
        if (other.heap_ != nullptr) {
            heap_ = other.heap_;
            capacity_ = other.capacity_;
            other.heap_ = nullptr;
            other.capacity_ = N;
        } else if (size_ != 0) {
            std::memcpy(inline_, other.inline_, size_);
        }
        other.size_ = 0;
    }

    std::size_t size_ = 0;
    std::size_t capacity_ = N;  // INVARIANT: N while heap_ is null, else heap_'s size
    char* heap_ = nullptr;      // past N bytes
    char inline_[N];            // NOLINT: written before read (the first size_ bytes)
};

// A reason: most are one sentence of under a hundred bytes, held inline.
using Words = InlineText<128>;
// A SHA-256 digest in hex (64 digits), held inline.
using HexDigest = InlineText<64>;

// A list of texts held end to end in one buffer, with a vector's reading interface (size,
// indexing, iteration) whose elements are std::string_views into it: a decision's explanation
// is one allocation however many sentences it has. A view read from it is valid until the
// list is next changed or destroyed.
class Sentences {
public:
    using value_type = std::string_view;
    using size_type = std::size_t;

    class const_iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = std::string_view;

        const_iterator() = default;
        std::string_view operator*() const { return (*list_)[index_]; }
        std::string_view operator[](difference_type n) const {
            return (*list_)[static_cast<std::size_t>(static_cast<difference_type>(index_) + n)];
        }
        const_iterator& operator++() {
            ++index_;
            return *this;
        }
        const_iterator operator++(int) {
            const_iterator before = *this;
            ++index_;
            return before;
        }
        const_iterator& operator--() {
            --index_;
            return *this;
        }
        const_iterator operator--(int) {
            const_iterator before = *this;
            --index_;
            return before;
        }
        const_iterator& operator+=(difference_type n) {
            index_ = static_cast<std::size_t>(static_cast<difference_type>(index_) + n);
            return *this;
        }
        const_iterator& operator-=(difference_type n) { return *this += -n; }
        friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
        friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
        friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
        friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
            return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.index_ == b.index_; }
        friend auto operator<=>(const const_iterator& a, const const_iterator& b) { return a.index_ <=> b.index_; }

    private:
        friend class Sentences;
        const_iterator(const Sentences* list, std::size_t index) : list_(list), index_(index) {}
        const Sentences* list_ = nullptr;
        std::size_t index_ = 0;
    };
    using iterator = const_iterator;

    Sentences() = default;
    Sentences(std::initializer_list<std::string_view> texts) {
        for (const std::string_view t : texts) push_back(t);
    }

    std::size_t size() const noexcept { return ends_.size(); }
    bool empty() const noexcept { return ends_.empty(); }
    std::string_view operator[](std::size_t i) const noexcept {
        const std::size_t from = i == 0 ? 0 : ends_[i - 1];
        return std::string_view(text_).substr(from, ends_[i] - from);
    }
    // Throws std::out_of_range past the end, as std::vector::at does.
    std::string_view at(std::size_t i) const {
        if (i >= size()) throw std::out_of_range("Sentences::at");
        return (*this)[i];
    }
    std::string_view front() const noexcept { return (*this)[0]; }
    std::string_view back() const noexcept { return (*this)[size() - 1]; }
    const_iterator begin() const noexcept { return {this, 0}; }
    const_iterator end() const noexcept { return {this, size()}; }

    // Adds a text at the end. Throws std::length_error past 4 GiB of text in all.
    void push_back(std::string_view text);
    // Drops every text, keeping the memory for the next.
    void clear() noexcept {
        text_.clear();
        ends_.clear();
    }
    void reserve(std::size_t texts, std::size_t bytes) {
        ends_.reserve(texts);
        text_.reserve(bytes);
    }
    // The texts' bytes, end to end, and the bytes the list holds on the heap.
    std::string_view joined() const noexcept { return text_; }
    std::size_t heap_bytes() const noexcept {
        const std::size_t text = text_.capacity() > std::string().capacity() ? text_.capacity() : 0;
        const std::size_t ends = ends_.capacity() > kEndsInline ? ends_.capacity() * sizeof(std::uint32_t) : 0;
        return text + ends;
    }

    friend bool operator==(const Sentences& a, const Sentences& b) noexcept {
        return a.ends_ == b.ends_ && a.text_ == b.text_;
    }

private:
    std::string text_;
    static constexpr std::size_t kEndsInline = 8;
    boost::container::small_vector<std::uint32_t, kEndsInline> ends_;  // where each text ends in text_
};

}  // namespace jointly::engine
