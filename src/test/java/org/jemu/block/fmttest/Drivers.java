package org.jemu.block.fmttest;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockNode;
import org.jemu.block.vdi.VdiDriver;
import org.jemu.block.vdi.VdiNode;
import org.jemu.block.vpc.VpcDriver;
import org.jemu.block.vpc.VpcNode;
import org.jemu.block.vmdk.VmdkDriver;
import org.jemu.block.vhdx.VhdxDriver;
import org.jemu.block.vhdx.VhdxNode;
import org.jemu.block.vmdk.VmdkNode;

/** The format drivers under test. */
final class Drivers {
    static final BlockDriver[] ALL = {new VdiDriver(), new VpcDriver(), new VmdkDriver(), new VhdxDriver()};

    static long clusterSize(BlockNode n) {
        if (n instanceof VdiNode v) return v.clusterSize();
        if (n instanceof VpcNode v) return v.clusterSize();
        if (n instanceof VmdkNode v) return v.clusterSize();
        if (n instanceof VhdxNode v) return v.clusterSize();
        throw new AssertionError("unknown node " + n);
    }
}
