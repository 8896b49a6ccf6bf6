fn main() {
    eprintln!("rvjit: command line not implemented yet");
    std::process::exit(125);
}
