package io.github.mobilenetj.dnnl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.io.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every native wrapper closes once, ignores a second close and refuses use after close with an
 * {@link IllegalStateException} (never a crash); failing oneDNN calls surface as {@link DnnlException}s
 * naming the C function and status; library-wide facts of the loaded oneDNN.
 */
@Tag("arm64")
class LifecycleTest {

    private static Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = Engine.cpu();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    private static void assertClosedUse(String kind, Executable use) {
        IllegalStateException e = assertThrows(IllegalStateException.class, use);
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().contains(kind + " is closed"), e.getMessage());
    }

    private static void assertClosesOnce(AutoCloseable c) throws Exception {
        c.close();
        c.close(); // no-op, no exception, no double free
        assertDoesNotThrow(c::close);
    }

    private static MemoryDesc nchw(long... dims) {
        return MemoryDesc.of(dims, DType.F32, FormatTag.NCHW);
    }

    // ---------------------------------------------------------------- one wrapper at a time

    @Test
    void engine() throws Exception {
        Engine e = Engine.cpu();
        assertFalse(e.isClosed());
        try (Stream s = new Stream(e)) {
            s.await();
        }
        assertClosesOnce(e);
        assertTrue(e.isClosed());
        assertClosedUse("Engine", () -> new Stream(e));
        try (MemoryDesc d = nchw(1, 1, 1, 1); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(d.byteSize(), 64);
            assertClosedUse("Engine", () -> new Memory(e, d, buf));
        }
    }

    @Test
    void stream() throws Exception {
        Stream s = new Stream(engine);
        s.await();
        assertClosesOnce(s);
        assertTrue(s.isClosed());
        assertClosedUse("Stream", s::await);
    }

    @Test
    void memoryDesc() throws Exception {
        MemoryDesc d = nchw(2, 3, 4, 5);
        MemoryDesc other = nchw(2, 3, 4, 5);
        assertTrue(d.sameLayoutAs(other));
        assertEquals(2 * 3 * 4 * 5 * 4L, d.byteSize());
        assertClosesOnce(d);
        assertTrue(d.isClosed());
        // dims(), dataType() and byteSize() are cached Java values; every method reaching oneDNN refuses.
        assertClosedUse("MemoryDesc", () -> d.sameLayoutAs(other));
        assertClosedUse("MemoryDesc", () -> other.sameLayoutAs(d));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(d.byteSize(), 64);
            assertClosedUse("MemoryDesc", () -> new Memory(engine, d, buf));
        }
        try (PrimitiveAttr attr = new PrimitiveAttr()) {
            assertClosedUse("MemoryDesc", () -> PrimitiveDesc.reorder(engine, d, other, attr));
            assertClosedUse("MemoryDesc", () -> PrimitiveDesc.reorder(engine, other, d, attr));
        }
        other.close();
    }

    @Test
    void memory() throws Exception {
        try (MemoryDesc d = nchw(1, 2, 3, 4); Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(d.byteSize(), 64);
            MemorySegment b = arena.allocate(d.byteSize(), 64);
            Memory m = new Memory(engine, d, a);
            m.attach(b);
            assertEquals(b, m.buffer());
            assertClosesOnce(m);
            assertTrue(m.isClosed());
            assertClosedUse("Memory", () -> m.attach(a));
            // The descriptor is still the caller's and still open.
            assertFalse(d.isClosed());
        }
    }

    @Test
    void postOps() throws Exception {
        PostOps p = new PostOps().relu().clip(0f, 6f);
        assertClosesOnce(p);
        assertTrue(p.isClosed());
        assertClosedUse("PostOps", p::relu);
        assertClosedUse("PostOps", () -> p.clip(0f, 6f));
        try (PrimitiveAttr attr = new PrimitiveAttr()) {
            assertClosedUse("PostOps", () -> attr.postOps(p));
        }
    }

    @Test
    void primitiveAttr() throws Exception {
        PrimitiveAttr attr = new PrimitiveAttr();
        try (PostOps p = new PostOps().relu()) {
            attr.postOps(p);
            assertClosesOnce(attr);
            assertTrue(attr.isClosed());
            assertClosedUse("PrimitiveAttr", () -> attr.postOps(p));
        }
        try (MemoryDesc a = nchw(1, 2, 3, 4); MemoryDesc b = nchw(1, 2, 3, 4)) {
            assertClosedUse("PrimitiveAttr", () -> PrimitiveDesc.reorder(engine, a, b, attr));
        }
    }

    @Test
    void primitiveDesc() throws Exception {
        try (MemoryDesc a = nchw(1, 2, 3, 4);
                MemoryDesc b = MemoryDesc.of(new long[] {1, 2, 3, 4}, DType.F32, FormatTag.NHWC);
                PrimitiveAttr attr = new PrimitiveAttr()) {
            PrimitiveDesc pd = PrimitiveDesc.reorder(engine, a, b, attr);
            assertFalse(pd.implementation().isEmpty());
            assertEquals("reorder", pd.operation());
            assertClosesOnce(pd);
            assertTrue(pd.isClosed());
            assertClosedUse("PrimitiveDesc", pd::implementation);
            assertClosedUse("PrimitiveDesc", pd::srcDesc);
            assertClosedUse("PrimitiveDesc", pd::dstDesc);
            assertClosedUse("PrimitiveDesc", pd::scratchpadDesc);
            assertClosedUse("PrimitiveDesc", () -> new Primitive(pd));
        }
    }

    /** A working NCHW -> NHWC reorder, then the same objects after close. */
    @Test
    void primitive() throws Exception {
        int n = 2, c = 3, h = 4, w = 5;
        try (Arena arena = Arena.ofConfined();
                MemoryDesc from = nchw(n, c, h, w);
                MemoryDesc to = MemoryDesc.of(new long[] {n, c, h, w}, DType.F32, FormatTag.NHWC);
                PrimitiveAttr attr = new PrimitiveAttr();
                PrimitiveDesc pd = PrimitiveDesc.reorder(engine, from, to, attr);
                Stream stream = new Stream(engine)) {
            float[] src = new float[n * c * h * w];
            for (int i = 0; i < src.length; i++) {
                src[i] = i;
            }
            MemorySegment srcBuf = arena.allocateFrom(ValueLayout.JAVA_FLOAT, src);
            MemorySegment dstBuf = arena.allocate(to.byteSize(), 64);
            try (Memory srcMem = new Memory(engine, from, srcBuf);
                    Memory dstMem = new Memory(engine, to, dstBuf);
                    MemoryDesc scratchDesc = pd.scratchpadDesc()) {
                Memory scratch = scratchDesc == null ? null
                        : new Memory(engine, scratchDesc, arena.allocate(scratchDesc.byteSize(), 64));
                ExecArgs args = new ExecArgs(arena, 3).put(Arg.FROM, srcMem).put(Arg.TO, dstMem);
                if (scratch != null) {
                    args.put(Arg.SCRATCHPAD, scratch);
                }
                Primitive p = new Primitive(pd);
                assertEquals("reorder", p.operation());
                assertFalse(p.implementation().isEmpty());
                p.execute(stream, args);
                stream.await();
                float[] expected = new float[src.length];
                for (int b = 0; b < n; b++)
                    for (int ch = 0; ch < c; ch++)
                        for (int y = 0; y < h; y++)
                            for (int x = 0; x < w; x++)
                                expected[((b * h + y) * w + x) * c + ch] = src[((b * c + ch) * h + y) * w + x];
                assertArrayEquals(expected, dstBuf.toArray(ValueLayout.JAVA_FLOAT));

                // A closed stream is refused before oneDNN sees it.
                Stream closedStream = new Stream(engine);
                closedStream.close();
                assertClosedUse("Stream", () -> p.execute(closedStream, args));

                assertClosesOnce(p);
                assertTrue(p.isClosed());
                assertClosedUse("Primitive", () -> p.execute(stream, args));

                // A memory closed after it was bound is refused too.
                try (Primitive p2 = new Primitive(pd)) {
                    Memory doomed = new Memory(engine, to, arena.allocate(to.byteSize(), 64));
                    ExecArgs args2 = new ExecArgs(arena, 3).put(Arg.FROM, srcMem).put(Arg.TO, doomed);
                    doomed.close();
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> p2.execute(stream, args2));
                    assertTrue(e.getMessage().contains("closed Memory"), e.getMessage());
                }
                if (scratch != null) {
                    scratch.close();
                }
            }
        }
    }

    @Test
    void execArgsCapacity() {
        try (Arena arena = Arena.ofConfined(); MemoryDesc d = nchw(1, 1, 1, 1)) {
            assertThrows(IllegalArgumentException.class, () -> new ExecArgs(arena, 0));
            try (Memory m = new Memory(engine, d, arena.allocate(d.byteSize(), 64))) {
                ExecArgs args = new ExecArgs(arena, 1).put(Arg.SRC, m);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> args.put(Arg.DST, m));
                assertTrue(e.getMessage().contains("at most 1"), e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- failing native calls

    private static void assertDnnlFailure(DnnlException e, String function) {
        assertEquals(function, e.function());
        assertTrue(e.statusName().startsWith("dnnl_"), e.statusName());
        assertTrue(Set.of("dnnl_invalid_arguments", "dnnl_unimplemented").contains(e.statusName()), e.statusName());
        assertNotEquals(0, e.status());
        assertEquals(e.statusName().equals("dnnl_unimplemented"), e.isUnimplemented());
        String m = e.getMessage();
        assertTrue(m.startsWith(function + " returned " + e.statusName() + " (" + e.status() + ")"), m);
    }

    @Test
    void reorderBetweenDifferentDimsFailsInOneDnn() {
        try (MemoryDesc a = MemoryDesc.of(new long[] {2, 3}, DType.F32, FormatTag.NC);
                MemoryDesc b = MemoryDesc.of(new long[] {3, 2}, DType.F32, FormatTag.NC);
                PrimitiveAttr attr = new PrimitiveAttr()) {
            DnnlException e = assertThrows(DnnlException.class, () -> PrimitiveDesc.reorder(engine, a, b, attr));
            assertDnnlFailure(e, "dnnl_reorder_primitive_desc_create");
            // The context says what was attempted.
            assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"), e.getMessage());
        }
    }

    @Test
    void convolutionOneDnnRejectsFails() {
        // Source has 3 channels, weights expect 4: oneDNN refuses the descriptor.
        try (MemoryDesc src = nchw(1, 3, 8, 8);
                MemoryDesc weights = nchw(8, 4, 3, 3);
                MemoryDesc dst = nchw(1, 8, 6, 6);
                PrimitiveAttr attr = new PrimitiveAttr()) {
            DnnlException e = assertThrows(DnnlException.class, () -> PrimitiveDesc.convolution(engine, src, weights, null,
                    dst, new long[] {1, 1}, new long[] {0, 0}, new long[] {0, 0}, attr));
            assertDnnlFailure(e, "dnnl_convolution_forward_primitive_desc_create");
            assertTrue(e.getMessage().contains("convolution src [1, 3, 8, 8]"), e.getMessage());
        }
    }

    @Test
    void innerProductOneDnnRejectsFails() {
        try (MemoryDesc src = MemoryDesc.of(new long[] {2, 10}, DType.F32, FormatTag.NC);
                MemoryDesc weights = MemoryDesc.of(new long[] {4, 11}, DType.F32, FormatTag.NC);
                MemoryDesc dst = MemoryDesc.of(new long[] {2, 4}, DType.F32, FormatTag.NC);
                PrimitiveAttr attr = new PrimitiveAttr()) {
            DnnlException e = assertThrows(DnnlException.class,
                    () -> PrimitiveDesc.innerProduct(engine, src, weights, null, dst, attr));
            assertDnnlFailure(e, "dnnl_inner_product_forward_primitive_desc_create");
        }
    }

    // ---------------------------------------------------------------- library facts

    @Test
    void versionIs313() {
        Dnnl.Version v = Dnnl.version();
        assertEquals(3, v.major(), v.toString());
        assertEquals(13, v.minor(), v.toString());
        assertTrue(v.patch() >= 0, v.toString());
        assertTrue(v.toString().startsWith("3.13."), v.toString());
    }

    @Test
    void cpuIsaIsNamedOnX86Only() {
        Optional<String> isa = Dnnl.cpuIsa();
        if (Dnnl.isX86_64(System.getProperty("os.arch"))) {
            assertTrue(isa.orElseThrow().startsWith("cpu_isa_"), isa.toString());
        } else {
            // On aarch64 dnnl_get_effective_cpu_isa answers with x86 names: not passed on.
            assertEquals(Optional.empty(), isa);
        }
    }

    @Test
    void x86ArchitectureNames() {
        for (String arch : List.of("amd64", "x86_64", "X64")) {
            assertTrue(Dnnl.isX86_64(arch), arch);
        }
        for (String arch : List.of("aarch64", "arm64", "riscv64", "x86", "")) {
            assertFalse(Dnnl.isX86_64(arch), arch);
        }
    }

    @Test
    void threadsAreSetPerCallingThread() throws Exception {
        // On a thread of its own, so the OpenMP setting of the test runner's thread stays untouched.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Dnnl.setThreads(1);
                assertEquals(1, Dnnl.threads());
                Dnnl.setThreads(2);
                assertEquals(2, Dnnl.threads());
                IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Dnnl.setThreads(0));
                assertTrue(zero.getMessage().contains("0"), zero.getMessage());
                assertThrows(IllegalArgumentException.class, () -> Dnnl.setThreads(-3));
                assertEquals(2, Dnnl.threads(), "a refused setting must not change the thread count");
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }
}
