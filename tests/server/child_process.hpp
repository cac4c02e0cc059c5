// A child process for the tests that run programs as an operator does (`jointly serve`, nginx):
// its stdout and stderr are pipes read line by line; the destructor kills (SIGKILL) and reaps
// it if the test has not waited for it.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace jointly::testing {

class Child {
public:
    // Runs `binary` with `args` (argv[1] on). Throws std::runtime_error when pipe() or fork()
    // fails; a binary that cannot be executed exits with status 127.
    Child(const std::string& binary, const std::vector<std::string>& args) {
        int out[2];
        int err[2];
        if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe failed");
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            dup2(out[1], STDOUT_FILENO);
            dup2(err[1], STDERR_FILENO);
            close(out[0]);
            close(err[0]);
            std::vector<std::string> copy = args;
            std::vector<char*> argv;
            std::string program = binary;
            argv.push_back(program.data());
            for (auto& a : copy) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(program.c_str(), argv.data());
            _exit(127);
        }
        close(out[1]);
        close(err[1]);
        out_ = fdopen(out[0], "r");
        err_ = fdopen(err[0], "r");
    }
    // The built `jointly` binary (JOINTLY_BINARY) with `args`.
    explicit Child(const std::vector<std::string>& args) : Child(JOINTLY_BINARY, args) {}
    ~Child() {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (out_) fclose(out_);
        if (err_) fclose(err_);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    // The next line on stdout or stderr; empty at end of file.
    static std::string line(FILE* f) {
        std::string s;
        for (int c = fgetc(f); c != EOF && c != '\n'; c = fgetc(f)) s += static_cast<char>(c);
        return s;
    }
    std::string out_line() { return line(out_); }
    std::string err_line() { return line(err_); }
    bool err_at_end() const { return feof(err_) != 0; }
    // Reads stderr until a line contains `needle`; false at end of file.
    bool wait_err(const std::string& needle) {
        for (;;) {
            if (feof(err_)) return false;
            const auto l = line(err_);
            if (l.find(needle) != std::string::npos) return true;
            if (l.empty() && feof(err_)) return false;
        }
    }
    // Everything left on stderr, up to its end (the process has exited or closed it).
    std::string rest_of_err() {
        std::string s;
        for (int c = fgetc(err_); c != EOF; c = fgetc(err_)) s += static_cast<char>(c);
        return s;
    }
    // The port from `jointly serve`'s "listening on 127.0.0.1:PORT"; -1 if the first line on
    // stdout is anything else (the server exited).
    int port() {
        const auto l = out_line();
        const auto colon = l.rfind(':');
        if (l.rfind("listening on ", 0) != 0 || colon == std::string::npos) return -1;
        return std::stoi(l.substr(colon + 1));
    }
    pid_t pid() const { return pid_; }
    void signal(int sig) const { kill(pid_, sig); }
    // Waits for the process to end; its waitpid() status.
    int wait() {
        int status = 0;
        waitpid(pid_, &status, 0);
        reaped_ = true;
        return status;
    }

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    FILE* out_ = nullptr;
    FILE* err_ = nullptr;
};

}  // namespace jointly::testing
