/** A consumer of mobilenetj on the module path: it may only read the exported packages. */
module example.consumer {
    requires io.github.mobilenetj;
}
