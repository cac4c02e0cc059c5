// code_items and placeholder_items: the place a word is written, read from the tokens before
// it, and the items that fit there. The places follow the grammar of docs/language.md.
#include "lsp_completion_items.hpp"

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jointly/dsl/builtins.hpp"
#include "lsp_completion_words.hpp"

namespace jointly::server::lsp {
namespace {

using Words = std::initializer_list<std::string_view>;
using namespace completion_words;

// CompletionItemKind numbers from the protocol.
constexpr int kFunction = 3;
constexpr int kField = 5;
constexpr int kVariable = 6;
constexpr int kClass = 7;
constexpr int kModule = 9;
constexpr int kProperty = 10;
constexpr int kValue = 12;
constexpr int kEnum = 13;
constexpr int kKeyword = 14;
constexpr int kEnumMember = 20;
constexpr int kConstant = 21;
constexpr int kStruct = 22;
constexpr int kEvent = 23;
constexpr int kTypeParameter = 25;

constexpr std::string_view kDash = " \xE2\x80\x94 ";  // " — " between a kind and what it is

int item_kind(DeclKind kind) {
    switch (kind) {
        case DeclKind::Agency: return kClass;
        case DeclKind::AgencyGroup: return kModule;
        case DeclKind::Service: return kValue;
        case DeclKind::ServiceGroup: return kEnum;
        case DeclKind::Scale: return kEnum;
        case DeclKind::Level: return kEnumMember;
        case DeclKind::Fact: return kField;
        case DeclKind::Event: return kEvent;
        case DeclKind::Definition: return kVariable;
        case DeclKind::Threshold: return kConstant;
        case DeclKind::Table: return kStruct;
        case DeclKind::Rule: return kFunction;
        case DeclKind::Policy:
        case DeclKind::Outcome:
        case DeclKind::Pool: break;
    }
    return kVariable;
}

// Where an expression is written, for the builtins that have a value there.
enum class Where { Rule, Outcome, Definition, Elsewhere };

bool contains(Words words, std::string_view w) { return std::find(words.begin(), words.end(), w) != words.end(); }

using Item = CompletionItem;

class Completer {
public:
    Completer(const Scan& s, const Document& document, std::size_t word_begin)
        : t_(s.tokens), declared_(document.declared), services_named_(document.services_named) {
        while (n_ < t_.size() && t_[n_].begin < word_begin) ++n_;
        decl_ = enclosing();
    }

    std::vector<Item> items;

    // Items for a word written in the code on the 0-based line `line`, at its first column when
    // `first_column`.
    void code(std::size_t line, bool first_column) {
        line_ = line;
        first_column_ = first_column;
        if (after_keyword()) return;
        if (n_ == 0 || t_[n_ - 1].line != line_) {
            line_start();
            return;
        }
        after_operand();
    }

    // Items for a placeholder in the reason that is token `text`.
    void placeholder(std::size_t text) {
        if (text == 0 || word(text - 1) != "because") return;
        const std::string_view owner = decl_ == kNone ? "" : t_[decl_].text;
        if (owner == "rule" || owner == "decline" || owner == "refer")
            for (const auto& ph : kPlaceholders)
                if (ph.rule == (owner == "rule"))
                    add(std::string(ph.name), kProperty, "placeholder" + std::string(kDash) + std::string(ph.description));
        for (const auto& d : declared_)
            if (contains_kind({DeclKind::Fact, DeclKind::Definition, DeclKind::Threshold, DeclKind::Event,
                               DeclKind::Agency},
                              d.kind))
                declaration(d);
    }

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    // ---- the tokens before the word: `back` 1 is the last

    const Token* tok(std::size_t back) const { return back == 0 || back > n_ ? nullptr : &t_[n_ - back]; }
    std::string_view word(std::size_t i) const {
        return i < t_.size() && t_[i].kind == TokenKind::Word ? t_[i].text : std::string_view();
    }
    std::string_view w(std::size_t back) const { return back == 0 || back > n_ ? "" : word(n_ - back); }
    std::string_view p(std::size_t back) const {
        const Token* t = tok(back);
        return t != nullptr && t->kind == TokenKind::Punct ? t->text : std::string_view();
    }
    bool is_name_token(std::size_t i) const {
        return i < t_.size() && t_[i].kind == TokenKind::Word && !is_reserved(t_[i].text);
    }
    bool name(std::size_t back) const {
        const Token* t = tok(back);
        return t != nullptr && t->kind == TokenKind::Word && !is_reserved(t->text);
    }

    // The declaration the word is in: its keyword's token, written at the start of a line.
    std::size_t enclosing() const {
        for (std::size_t i = n_; i-- > 0;)
            if (t_[i].column_zero && std::find(std::begin(kDeclarationKeywords), std::end(kDeclarationKeywords),
                                               word(i)) != std::end(kDeclarationKeywords))
                return i;
        return kNone;
    }
    // True when the word is the `k`th token of the declaration it is in.
    bool after_declaration(std::size_t k) const { return decl_ != kNone && decl_ + k == n_; }
    std::string_view decl_word() const { return decl_ == kNone ? "" : t_[decl_].text; }
    Where where() const {
        const std::string_view d = decl_word();
        if (d == "rule") return Where::Rule;
        if (d == "decline" || d == "refer") return Where::Outcome;
        if (d == "let") return Where::Definition;
        return Where::Elsewhere;
    }

    const Declared* find(std::string_view n) const {
        for (const auto& d : declared_)
            if (d.name == n) return &d;
        return nullptr;
    }

    // ---- items

    void add(std::string label, int kind, std::string detail, std::string insert = {}) {
        if (!added_.emplace(label, insert).second) return;
        items.push_back({std::move(label), kind, std::move(detail), std::move(insert)});
    }
    void keywords(Words words) {
        for (const auto k : words) add(std::string(k), kKeyword, "keyword");
    }
    static bool contains_kind(std::initializer_list<DeclKind> kinds, DeclKind k) {
        return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
    }
    void declaration(const Declared& d) {
        std::string detail(kind_name(d.kind));
        if (d.kind == DeclKind::Level) detail += " of " + d.scale;
        else if (!d.detail.empty()) detail += std::string(kDash) + d.detail;
        add(d.name, item_kind(d.kind), std::move(detail));
    }
    void declared(std::initializer_list<DeclKind> kinds) {
        for (const auto& d : declared_)
            if (contains_kind(kinds, d.kind)) declaration(d);
    }
    // Agencies; with `groups`, agency groups; with `facts`, the facts that pick an agency;
    // but not the names in `except`.
    void agencies(bool groups, bool facts, const std::set<std::string_view>& except = {}) {
        for (const auto& d : declared_)
            if ((d.kind == DeclKind::Agency || (groups && d.kind == DeclKind::AgencyGroup) ||
                 (facts && d.kind == DeclKind::Fact && d.detail.starts_with("agency in"))) &&
                !except.contains(d.name))
                declaration(d);
    }
    // The names written in a list from token `from` to the word: the agencies of a split so
    // far, which it may not name again (E2203).
    std::set<std::string_view> named_since(std::size_t from) const {
        std::set<std::string_view> out;
        for (std::size_t i = from; i < n_; ++i)
            if (is_name_token(i)) out.insert(t_[i].text);
        return out;
    }
    // The agency the nearest `cap` before the word limits: its excess may not go to it (E2207).
    std::set<std::string_view> capped() const {
        for (std::size_t i = n_; i-- > 0 && (decl_ == kNone || i > decl_);)
            if (word(i) == "cap") return is_name_token(i + 1) && i + 1 < n_ ? std::set{t_[i + 1].text} : std::set<std::string_view>{};
        return {};
    }
    // True when the rule the word is in says `service is X` of a service declared `weekly` or
    // `one_off`: an amount `per hour` there is E2021.
    bool not_hourly() const {
        if (decl_word() != "rule") return false;
        for (std::size_t i = decl_ + 1; i + 2 < n_; ++i)
            if (word(i) == "service" && word(i + 1) == "is" && is_name_token(i + 2))
                if (const Declared* d = find(t_[i + 2].text);
                    d != nullptr && d->kind == DeclKind::Service && (d->how == "weekly" || d->how == "one_off"))
                    return true;
        return false;
    }
    // The rules an `exception to` may name: all but the one it is written in.
    void rules() {
        const std::string_view self = decl_word() == "rule" ? word(decl_ + 1) : "";
        for (const auto& d : declared_)
            if (d.kind == DeclKind::Rule && d.name != self) declaration(d);
    }
    void services() {
        const std::size_t before = items.size();
        declared({DeclKind::Service, DeclKind::ServiceGroup});
        if (items.size() == before && std::none_of(declared_.begin(), declared_.end(), [](const Declared& d) {
                return d.kind == DeclKind::Service || d.kind == DeclKind::ServiceGroup;
            }))
            used_services();
    }
    // A policy that declares no service may name any: the names it compares `service` with
    // elsewhere (`service is X`, `service is not X`, `service in [X, Y]`, `funders(X)`).
    void used_services() {
        for (const auto& n : services_named_) add(n, kValue, "service (named in this policy)");
    }
    void levels(std::string_view scale) {
        for (const auto& d : declared_)
            if (d.kind == DeclKind::Level && d.scale == scale) declaration(d);
    }
    // Window bounds: events, date facts, definitions (whose type the scan does not know).
    void bounds() {
        for (const auto& d : declared_)
            if (d.kind == DeclKind::Event || d.kind == DeclKind::Definition ||
                (d.kind == DeclKind::Fact && d.detail == "date"))
                declaration(d);
    }
    void builtins() {
        const Where at = where();
        for (const auto& b : dsl::kBuiltins) {
            if (b.form == dsl::BuiltinForm::Placeholder) continue;
            const bool outcomes = b.description.starts_with("in outcomes");
            const bool rules = b.description.starts_with("in rules");
            if (outcomes && at != Where::Outcome && at != Where::Definition) continue;
            if (rules && at != Where::Rule && at != Where::Definition) continue;
            std::string label(b.name);
            std::string insert;
            if (b.form == dsl::BuiltinForm::Call) {
                insert = b.max_args == 0 ? label + "()" : label + "(";
                label = b.max_args == 0 ? label + "()" : label + "(\xE2\x80\xA6)";
            }
            add(std::move(label), b.form == dsl::BuiltinForm::Name ? kVariable : kFunction,
                "builtin" + std::string(kDash) + std::string(b.description), std::move(insert));
        }
    }
    // With `events` false, after `and`, `or` and `not`: what may be true or false or start a
    // comparison, not an event (a date alone, E2103; `happened(…)` asks whether it happened).
    void expression(bool events = true) {
        // a fact that picks an agency is not a value (E2015)
        for (const auto& d : declared_)
            if (contains_kind({DeclKind::Fact, DeclKind::Definition, DeclKind::Threshold, DeclKind::Event}, d.kind) &&
                !(d.kind == DeclKind::Fact && d.detail.starts_with("agency in")) &&
                (events || d.kind != DeclKind::Event))
                declaration(d);
        builtins();
        keywords({"true", "false", "not"});
    }
    // The values a comparison with the name `left` may take; a value of any kind when the
    // scan does not know its type.
    void values_of(std::string_view left) {
        if (left == "service") return services();
        const Declared* d = find(left);
        if (d != nullptr && d->kind == DeclKind::Fact && d->detail == "bool") return keywords({"true", "false"});
        if (d != nullptr && d->kind == DeclKind::Fact && !d->map && !d->scale.empty() && find(d->scale) != nullptr)
            return levels(d->scale);
        expression();
    }
    void fact_types() {
        keywords({"bool", "whole", "decimal", "money", "date", "text", "list of text", "map of", "agency in"});
        for (auto& i : items) {
            i.kind = kTypeParameter;
            i.detail = "type";
        }
        declared({DeclKind::Scale});
    }

    // ---- places

    // After a keyword or symbol that says what comes next (across lines): true when it does.
    bool after_keyword() {
        const std::string_view w1 = w(1), w2 = w(2), p1 = p(1);
        if (p1 == "(") return after_paren();
        if (p1 == ",") return after_comma();
        if (p1 == "[") {
            if (w(2) == "in" && w(3) == "service") services();
            else expression();
            return true;
        }
        if (p1 == "=" || p1 == "!=" || p1 == "<" || p1 == "<=" || p1 == ">" || p1 == ">=") {
            if (decl_word() == "scale") return true;  // a scale's levels are new names
            const Token* left = tok(2);
            values_of(left != nullptr && left->kind == TokenKind::Word ? left->text : "");
            return true;
        }
        if (p1 == "+" || p1 == "-" || p1 == "*" || p1 == "/") {
            // `2025-`: a date being written, not a subtraction
            if (p1 == "-" && tok(2) != nullptr && tok(2)->kind == TokenKind::Literal && tok(2)->end == tok(1)->begin)
                return true;
            if (decl_word() != "rule" || !in_clause({"split"})) expression();
            return true;
        }
        if (p1 == ":") return after_colon();
        if (tok(1) == nullptr || tok(1)->kind != TokenKind::Word) return false;
        if (w1 == "split" || w1 == "pay" || w1 == "cap") agencies(false, true);
        else if (w1 == "to" && w2 == "excess") {
            agencies(false, true, capped());
            keywords({"panel"});
        } else if (w1 == "to" && w2 == "penny") agencies(false, true);
        else if (w1 == "to" && w2 == "exception") rules();
        else if (w1 == "to" && w2 == "proportion") keywords({"contributions", "actual contributions"});
        else if (w1 == "to" && decl_word() == "rule" && in_clause({"from"})) bounds();
        else if (w1 == "by" && w2 == "agreed") agencies(false, false);
        else if (w1 == "host" || w1 == "contribution") agencies(false, false);
        else if (w1 == "in" && w2 == "agency") agencies(true, false);
        else if (w1 == "in" && w2 == "service") services();
        else if (w1 == "is") values_of(w2);
        else if (w1 == "not" && w2 == "is") values_of(w(3));
        else if ((w1 == "after" || w1 == "before") && contains({"day", "days", "week", "weeks"}, w2))
            declared({DeclKind::Event});
        else if (contains({"from", "until", "through", "before"}, w1)) {
            if (decl_word() == "rule") bounds();
        } else if (w1 == "when" || w1 == "gives") expression();
        else if (w1 == "and" || w1 == "or" || w1 == "not") expression(false);
        else if (w1 == "at" && w(3) == "cap") expression();
        else if (w1 == "least" && w2 == "at") expression();
        else if (w1 == "default") fact_default();
        else if (w1 == "of" && w2 == "map") declared({DeclKind::Scale});
        else if (w1 == "of" && w2 == "list") keywords({"text"});
        else if (w1 == "rounding") keywords({"half_up", "half_even"});
        else if (w1 == "per" && (in_clause({"cap"}) || in_clause({"pay"}))) {
            keywords({"week", "line", "financial year"});
            if (!not_hourly()) keywords({"hour"});
        }
        else return after_phrase_word(w1);
        return true;
    }

    // A word that is the first of a fixed phrase.
    bool after_phrase_word(std::string_view w1) {
        static constexpr std::pair<std::string_view, std::string_view> kNext[] = {
            {"odd", "penny to"}, {"penny", "to"},       {"excess", "to"},   {"exception", "to"},
            {"agreed", "by"},    {"regardless", "of cost"}, {"yearly", "total"}, {"effective", "from"},
            {"list", "of text"}, {"map", "of"},          {"risk", "capped at contribution"},
        };
        for (const auto& [first, next] : kNext)
            if (w1 == first) {
                keywords({next});
                return true;
            }
        if (w1 == "decline") {
            if (after_declaration(1)) keywords({"ref", "when"});
            return true;
        }
        if (w1 == "refer") {
            if (decl_word() == "rule" || t_[n_ - 1].column_zero) keywords({"to"});
            return true;
        }
        if (w1 == "panel") return w(2) != "to";  // the header's `panel "..."`, not `excess to panel`
        return w1 == "within" || w1 == "to" || w1 == "ref" || w1 == "because" || w1 == "version" ||
               w1 == "tolerance" || w1 == "policy" || reserved_only(w1);
    }
    // The other reserved words want something the scan has nothing to offer for (a name to
    // declare, a number, a text).
    static bool reserved_only(std::string_view w1) {
        return contains({"rule", "agency", "service", "scale", "fact", "event", "let", "eligible", "table", "pool",
                         "on", "from", "after", "before"},
                        w1);
    }

    bool after_paren() {
        const std::string_view callee = w(2);
        if (callee == "total") agencies(true, true);
        else if (callee == "lookup") declared({DeclKind::Table});
        else if (callee == "happened") declared({DeclKind::Event});
        else if (callee == "funders") services();
        else if (callee == "count") {
            for (const auto& d : declared_)
                if (d.kind == DeclKind::Fact && d.map) declaration(d);
        } else expression();
        return true;
    }

    // The token the list the word continues starts after: back over names, numbers, shares and
    // commas to the keyword, `(`, `[` or `:` before them.
    std::size_t list_head() const {
        std::size_t i = n_;
        while (i-- > 0) {
            const Token& t = t_[i];
            const bool skip = (t.kind == TokenKind::Word && !is_reserved(t.text)) || t.kind == TokenKind::Literal ||
                              t.text == "," || t.text == "/";
            if (!skip) return i;
        }
        return kNone;
    }

    bool after_comma() {
        const std::size_t head = list_head();
        if (head == kNone) return true;
        const std::string_view h = t_[head].text;
        const std::string_view before = head > 0 ? word(head - 1) : "";
        if (h == "split") agencies(false, true, named_since(head + 1));
        else if (h == "by" && before == "agreed") agencies(false, false);
        else if (h == "to" && before == "exception") rules();
        else if (h == "in" && before == "agency") agencies(true, false);
        else if (h == "[" && before == "in" && head > 1 && word(head - 2) == "service") services();
        else if (h == "(" && before == "count") {
            if (const Declared* fact = find(word(head + 1)); fact != nullptr && fact->map) levels(fact->scale);
            keywords({"at least"});
        } else if (h == "(" || h == "[") expression();
        else if (h == ":" && head >= 2 && word(head - 2) == "group") {
            if (word(head - 3) == "agency") agencies(false, false);
            else services();
        } else if (h == "at" && head >= 2 && word(head - 2) == "cap") keywords({"excess to"});
        return true;
    }

    bool after_colon() {
        if (w(3) == "group" && name(2)) {
            if (w(4) == "agency") agencies(false, false);
            else if (w(4) == "service") services();
        } else if (decl_word() == "fact") fact_types();
        return true;
    }

    void fact_default() {
        const Declared* fact = decl_ == kNone ? nullptr : find(word(decl_ + 1));
        if (fact != nullptr && fact->kind == DeclKind::Fact) values_of(fact->name);
        else expression();
    }

    // True when the nearest clause keyword before the word is one of `clauses`.
    bool in_clause(Words clauses) const {
        for (std::size_t i = n_; i-- > 0 && (decl_ == kNone || i > decl_);) {
            const std::string_view k = word(i);
            if (contains({"split", "pay", "cap", "when", "within", "from", "before", "on", "odd", "exception",
                          "regardless", "because", "refuse", "refer"},
                         k))
                return contains(clauses, k);
        }
        return false;
    }

    // After something complete on the word's line: what may follow it there.
    void after_operand() {
        if (n_ == 0) return;
        const Token& last = t_[n_ - 1];
        const bool operand = last.kind == TokenKind::Literal || last.kind == TokenKind::Text ||
                             (last.kind == TokenKind::Word && !is_reserved(last.text)) || last.text == ")" ||
                             last.text == "]" || last.text == "true" || last.text == "false";
        if (!operand) return;
        // what follows a declaration's name or an outcome rule's authority on its line
        if (w(2) == "rule" && name(1) && after_declaration(2)) return keywords({"ref"});
        if (w(2) == "eligible" && name(1) && after_declaration(2)) return keywords({"when"});
        if (w(3) == "refer" && w(2) == "to" && last.kind == TokenKind::Text && after_declaration(3))
            return keywords({"ref", "when"});
        if (last.kind == TokenKind::Text && w(2) == "ref" && (decl_word() == "decline" || decl_word() == "refer"))
            return keywords({"when"});
        // `cap health |`, `pay health |`: the word after the agency
        if (w(2) == "cap" && name(1)) return keywords({"at"});
        if (w(2) == "pay" && name(1)) return expression();
        if (w(2) == "within" && last.kind == TokenKind::Literal) return keywords({"days", "weeks", "day", "week"});
        if (w(3) == "service" && name(2) && last.kind == TokenKind::Text && after_declaration(3))
            return keywords({"weekly", "hourly", "one_off"});
        if ((in_clause({"cap"}) && w(2) == "at") || (in_clause({"pay"}) && w(3) == "pay")) {
            for (const auto per : kPers)
                if (per != "per hour" || !not_hourly()) add(std::string(per), kKeyword, "keyword");
            return;
        }
        const bool expr = in_clause({"when"}) || decl_word() == "let" || w(2) == "default" || w(2) == "gives";
        if (!expr || last.kind == TokenKind::Text) return;
        keywords({"and", "or"});
        const Token* op = tok(2);
        if (op == nullptr ||
            !contains({"is", "not", "in", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/"}, op->text))
            keywords({"is", "is not", "in"});
    }

    // At the start of a line: the declarations at the first column, the enclosing
    // declaration's clauses that may still come when indented.
    void line_start() {
        if (first_column_) {
            if (n_ == 0) return keywords({"policy"});
            for (const auto d : kDeclarations) add(std::string(d), kKeyword, "declaration");
            return;
        }
        const std::string_view d = decl_word();
        if (d == "policy") clauses(kHeaderClauses);
        else if (d == "rule") clauses(kRuleClauses);
        else if (d == "pool") clauses(kPoolClauses);
        else if (d == "decline" || d == "refer") clauses(kOutcomeClauses);
        else if (d == "eligible") clauses(kThresholdClauses);
        else if (d == "table") clauses(kTableClauses);
    }

    template <std::size_t N>
    void clauses(const Clause (&all)[N]) {
        int last = 0;
        bool branch_a = false, branch_b = false, capped = false;
        for (std::size_t i = decl_ + 1; i < n_; ++i) {
            const std::string_view k = word(i);
            const std::string_view before = word(i - 1);
            if (k == "before" && contains({"day", "days", "week", "weeks", "or"}, before)) continue;
            if ((k == "overspend" || k == "underspend") && before == "sharing") continue;
            if (k == "contribution" && before == "at") continue;
            for (const auto& c : all)
                if (c.keyword == k) {
                    last = std::max(last, c.rank);
                    branch_a = branch_a || c.branch == 'a';
                    branch_b = branch_b || c.branch == 'b';
                    capped = capped || c.keyword == "cap";
                }
        }
        int blocked = 0;  // the rank of a required clause not yet written: none after it
        for (const auto& c : all) {
            if (c.rank < last || (c.rank == last && !c.repeats) || (blocked != 0 && c.rank > blocked)) continue;
            if ((c.branch == 'a' && branch_b) || (c.branch == 'b' && branch_a)) continue;
            if (c.keyword == "regardless" && capped) continue;
            add(std::string(c.label), kKeyword, "clause");
            if (c.required && blocked == 0) blocked = c.rank;
        }
    }

    const std::vector<Token>& t_;
    const std::vector<Declared>& declared_;
    const std::vector<std::string>& services_named_;
    std::set<std::pair<std::string, std::string>> added_;  // each item's label and insert, once
    std::size_t n_ = 0;  // the tokens before the word: t_[0, n_)
    std::size_t decl_ = kNone;
    std::size_t line_ = 0;
    bool first_column_ = false;
};

}  // namespace

std::vector<CompletionItem> code_items(const Scan& s, const Document& document, std::size_t word_begin,
                                       std::size_t line, bool first_column) {
    Completer c(s, document, word_begin);
    c.code(line, first_column);
    return std::move(c.items);
}

std::vector<CompletionItem> placeholder_items(const Scan& s, const Document& document, std::size_t text) {
    if (text >= s.tokens.size()) return {};
    Completer c(s, document, s.tokens[text].begin);
    c.placeholder(text);
    return std::move(c.items);
}

}  // namespace jointly::server::lsp
