// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Arrays} from "@openzeppelin/contracts/utils/Arrays.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {NetworkParameters} from "./NetworkParameters.sol";
import {ISupernodeRegistry} from "./ISupernodeRegistry.sol";

/**
 * @title Member quorum checks shared by the contracts that take member signatures
 * @notice The protocol's EIP-712 domain, SPEC section 7's quorum rule and the one-pass check that
 * signers ascend and are members (checkSigners; DataMarket, whose signatures are over one digest each,
 * steps itself), for ReportAnchors, RewardsDistributor and DataMarket. Each contract
 * keeps its own named errors: the check returns what failed and the caller reverts with its error.
 * @dev Domain: {name "VirusMap", version "2", chainId, verifyingContract = the registry} (SPEC section 4).
 * The fault divisor is read as protocol/src/quorum.ts reads it (faultDivisorFrom: 3 unless an integer
 * >= 2 that a JavaScript number holds exactly).
 */
library MemberQuorum {
    /// @dev What a signer failed: nothing, not above the previous signer, or not a member.
    enum Fault {
        None,
        NotAscending,
        NotMember
    }

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant FAULT_DIVISOR_KEY = "quorumFaultDivisor";
    uint256 private constant DEFAULT_FAULT_DIVISOR = 3;
    uint256 private constant MAX_SAFE_INTEGER = 2 ** 53 - 1;

    /// @dev The protocol's EIP-712 domain separator on this chain for `registry`.
    function domainSeparator(address registry) internal view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("VirusMap"), keccak256("2"), block.chainid, registry)
        );
    }

    /// @dev The members at past block `blockNumber`, ascending, and the fault divisor in force there.
    function membersAt(ISupernodeRegistry registry, NetworkParameters parameters, uint256 blockNumber)
        internal
        view
        returns (address[] memory members, uint256 divisor)
    {
        members = Arrays.sort(registry.membersAt(blockNumber));
        uint256 d = parameters.getAt(FAULT_DIVISOR_KEY, blockNumber);
        divisor = d < 2 || d > MAX_SAFE_INTEGER ? DEFAULT_FAULT_DIVISOR : d;
    }

    /// @dev quorum(n, d) = n - floor((n - 1) / d); with no member nobody can sign, so no count is enough (1).
    function quorum(uint256 n, uint256 divisor) internal pure returns (uint256) {
        return n == 0 ? 1 : n - (n - 1) / divisor;
    }

    /// @dev f + 1 with f = floor((n - 1) / d): enough signers that at least one is honest (1 with no member).
    function oneHonest(uint256 n, uint256 divisor) internal pure returns (uint256) {
        return n == 0 ? 1 : (n - 1) / divisor + 1;
    }

    /**
     * @dev One step of the ascending-signers check: `signer` must be above `previous` and in `members`
     * (ascending) at or after index `j`. Returns the fault and the index after the signer, so a loop over
     * signers ascending makes one pass over the members.
     */
    function step(address[] memory members, uint256 j, address previous, address signer)
        internal
        pure
        returns (Fault, uint256)
    {
        if (signer <= previous) {
            return (Fault.NotAscending, j);
        }
        uint256 n = members.length;
        while (j < n && members[j] < signer) {
            ++j;
        }
        if (j == n || members[j] != signer) {
            return (Fault.NotMember, j);
        }
        return (Fault.None, j + 1);
    }

    /**
     * @dev Every signature recovers over `digest` to a member of `members` (ascending), the signers strictly
     * ascending: one pass over the members. Returns Fault.None, or the first fault with that signature's
     * index and signer, for the caller to revert with its own error. Reverts (ECDSA) on a malformed, high-s
     * or unrecoverable signature; a signer is never address(0).
     */
    function checkSigners(bytes32 digest, bytes[] calldata signatures, address[] memory members)
        internal
        pure
        returns (Fault fault, uint256 index, address signer)
    {
        uint256 j = 0;
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            signer = ECDSA.recoverCalldata(digest, signatures[i]);
            (fault, j) = step(members, j, previous, signer);
            if (fault != Fault.None) {
                return (fault, i, signer);
            }
            previous = signer;
        }
        return (Fault.None, 0, address(0));
    }
}
