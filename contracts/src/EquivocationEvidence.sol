// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ISupernodeRegistry} from "./ISupernodeRegistry.sol";

/**
 * @title VirusMap equivocation evidence
 * @notice Anyone submits two conflicting messages one member signed for one job (two commitments, two
 * verdicts or two report attestations with the same jobId and different content); the contract
 * recovers the signer on chain and has the registry slash that member's bond (a share to the
 * caller, the rest to the treasury) and remove it. The registry's owner (the TimelockController)
 * must name this contract as the registry's evidence verifier.
 * @dev Digests are the protocol's (protocol/SPEC.md section 4): EIP-712 under the domain
 * {name "VirusMap", version "2", chainId, verifyingContract = the registry}, so the domain is
 * built here for the registry's address rather than with OpenZeppelin's EIP712 (which binds the
 * verifying contract to address(this)). Signatures are r || s || v with v 27/28 and low s, as
 * OpenZeppelin's ECDSA.recover requires, which is the protocol's one spelling of a member's signature.
 * One member is slashed at most once per job.
 */
contract EquivocationEvidence is Ownable {
    /// @notice The three signed messages whose duplicates prove equivocation.
    enum Kind {
        Commitment,
        Verdict,
        Attestation
    }

    struct VerdictCommitment {
        bytes32 jobId;
        address member;
        bytes32 commitment;
    }

    struct EngineResult {
        string engine;
        string engineVersion;
        string engineUpdate;
        string category;
        string result;
        string method;
    }

    struct Verdict {
        bytes32 jobId;
        address member;
        bytes32 sha256;
        uint64 membershipBlock;
        uint64 scannedAt;
        EngineResult[] results;
    }

    struct ReportAttestation {
        bytes32 jobId;
        address[] committed;
        bytes32[] commitments;
        address[] revealed;
        bytes32[] verdicts;
    }

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant COMMITMENT_TYPEHASH =
        keccak256("VerdictCommitment(bytes32 jobId,address member,bytes32 commitment)");
    bytes32 private constant ENGINE_RESULT_TYPEHASH = keccak256(
        "EngineResult(string engine,string engineVersion,string engineUpdate,string category,string result,string method)"
    );
    bytes32 private constant VERDICT_TYPEHASH = keccak256(
        "Verdict(bytes32 jobId,address member,bytes32 sha256,uint64 membershipBlock,uint64 scannedAt,EngineResult[] results)"
        "EngineResult(string engine,string engineVersion,string engineUpdate,string category,string result,string method)"
    );
    bytes32 private constant ATTESTATION_TYPEHASH = keccak256(
        "ReportAttestation(bytes32 jobId,address[] committed,bytes32[] commitments,address[] revealed,bytes32[] verdicts)"
    );

    /// @notice The registry whose members' signatures this contract judges and which holds their bonds.
    ISupernodeRegistry public immutable registry;
    /// @notice Share of a slashed bond paid to whoever submitted the evidence, in basis points.
    uint256 public reporterShareBps;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;
    mapping(address member => mapping(bytes32 jobId => bool)) private _proven;

    /// @notice `member` signed two conflicting `kind` messages for `jobId`; `reporter` was paid `reward` of the `slashed` bond.
    event EquivocationProven(
        address indexed member, bytes32 indexed jobId, Kind kind, address indexed reporter, uint256 slashed, uint256 reward
    );
    /// @notice Governance changed the reporter's share.
    event ReporterShareSet(uint256 reporterShareBps);

    /// @dev The two messages name different jobs.
    error EquivocationEvidenceDifferentJobs(bytes32 first, bytes32 second);
    /// @dev The two messages are one and the same (equal digests).
    error EquivocationEvidenceSameMessage(bytes32 digest);
    /// @dev A message names `claimed` as its member but was signed by `signer`.
    error EquivocationEvidenceSignerMismatch(address claimed, address signer);
    /// @dev The two messages were signed by different accounts.
    error EquivocationEvidenceDifferentSigners(address first, address second);
    /// @dev The signer was never a member of the registry.
    error EquivocationEvidenceNeverMember(address signer);
    /// @dev Equivocation of `member` on `jobId` was already proven.
    error EquivocationEvidenceAlreadyProven(address member, bytes32 jobId);
    /// @dev A share above 10,000 basis points.
    error EquivocationEvidenceInvalidShare(uint256 shareBps);

    /**
     * @param initialOwner The account that sets the reporter's share (the TimelockController).
     * @param registry_ The registry whose domain the signatures are under and that slashes.
     * @param reporterShareBps_ Share of a slashed bond paid to the reporter, in basis points.
     */
    constructor(address initialOwner, ISupernodeRegistry registry_, uint256 reporterShareBps_) Ownable(initialOwner) {
        registry = registry_;
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
        _setReporterShare(reporterShareBps_);
    }

    /// @notice Sets the share of a slashed bond paid to the reporter (owner only).
    function setReporterShare(uint256 shareBps) external onlyOwner {
        _setReporterShare(shareBps);
    }

    /// @notice Proves that `first.member` committed twice, differently, to one job; slashes it.
    function submitCommitments(
        VerdictCommitment calldata first,
        bytes calldata firstSignature,
        VerdictCommitment calldata second,
        bytes calldata secondSignature
    ) external returns (uint256 slashed) {
        bytes32 firstDigest = commitmentDigest(first);
        bytes32 secondDigest = commitmentDigest(second);
        address signer = _signedBy(firstDigest, firstSignature, first.member);
        _signedBy(secondDigest, secondSignature, second.member);
        if (first.member != second.member) {
            revert EquivocationEvidenceDifferentSigners(first.member, second.member);
        }
        return _settle(Kind.Commitment, signer, first.jobId, second.jobId, firstDigest, secondDigest);
    }

    /// @notice Proves that `first.member` revealed two different verdicts for one job; slashes it.
    function submitVerdicts(
        Verdict calldata first,
        bytes calldata firstSignature,
        Verdict calldata second,
        bytes calldata secondSignature
    ) external returns (uint256 slashed) {
        bytes32 firstDigest = verdictDigest(first);
        bytes32 secondDigest = verdictDigest(second);
        address signer = _signedBy(firstDigest, firstSignature, first.member);
        _signedBy(secondDigest, secondSignature, second.member);
        if (first.member != second.member) {
            revert EquivocationEvidenceDifferentSigners(first.member, second.member);
        }
        return _settle(Kind.Verdict, signer, first.jobId, second.jobId, firstDigest, secondDigest);
    }

    /// @notice Proves that one member attested to two different reports for one job; slashes it.
    function submitAttestations(
        ReportAttestation calldata first,
        bytes calldata firstSignature,
        ReportAttestation calldata second,
        bytes calldata secondSignature
    ) external returns (uint256 slashed) {
        bytes32 firstDigest = attestationDigest(first);
        bytes32 secondDigest = attestationDigest(second);
        // An attestation names no member: its signer is who attested.
        address signer = ECDSA.recoverCalldata(firstDigest, firstSignature);
        address other = ECDSA.recoverCalldata(secondDigest, secondSignature);
        if (signer != other) {
            revert EquivocationEvidenceDifferentSigners(signer, other);
        }
        return _settle(Kind.Attestation, signer, first.jobId, second.jobId, firstDigest, secondDigest);
    }

    /// @notice EIP-712 domain separator of the protocol's messages on this chain and registry.
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _buildDomainSeparator();
    }

    /// @notice The digest a member signs for `c` (protocol: VerdictCommitment).
    function commitmentDigest(VerdictCommitment calldata c) public view returns (bytes32) {
        return _digest(keccak256(abi.encode(COMMITMENT_TYPEHASH, c.jobId, c.member, c.commitment)));
    }

    /// @notice The digest a member signs for `v` (protocol: Verdict).
    function verdictDigest(Verdict calldata v) public view returns (bytes32) {
        return _digest(verdictHash(v));
    }

    /// @notice EIP-712 struct hash of `v` (the protocol's verdictHash, which commitments and reports name).
    function verdictHash(Verdict calldata v) public pure returns (bytes32) {
        uint256 count = v.results.length;
        bytes32[] memory results = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            results[i] = _engineResultHash(v.results[i]);
        }
        return keccak256(
            abi.encode(
                VERDICT_TYPEHASH,
                v.jobId,
                v.member,
                v.sha256,
                v.membershipBlock,
                v.scannedAt,
                keccak256(abi.encodePacked(results))
            )
        );
    }

    /// @notice The digest members sign for `a` (protocol: reportDigest).
    function attestationDigest(ReportAttestation calldata a) public view returns (bytes32) {
        // abi.encodePacked pads each array element to 32 bytes: EIP-712's encoding of an array of atoms.
        return _digest(
            keccak256(
                abi.encode(
                    ATTESTATION_TYPEHASH,
                    a.jobId,
                    keccak256(abi.encodePacked(a.committed)),
                    keccak256(abi.encodePacked(a.commitments)),
                    keccak256(abi.encodePacked(a.revealed)),
                    keccak256(abi.encodePacked(a.verdicts))
                )
            )
        );
    }

    /// @notice Whether equivocation of `member` on `jobId` was already proven here.
    function proven(address member, bytes32 jobId) external view returns (bool) {
        return _proven[member][jobId];
    }

    function _settle(Kind kind, address member, bytes32 jobId, bytes32 otherJobId, bytes32 digest, bytes32 otherDigest)
        private
        returns (uint256 slashed)
    {
        if (jobId != otherJobId) {
            revert EquivocationEvidenceDifferentJobs(jobId, otherJobId);
        }
        if (digest == otherDigest) {
            revert EquivocationEvidenceSameMessage(digest);
        }
        if (!registry.wasAdmitted(member)) {
            revert EquivocationEvidenceNeverMember(member);
        }
        if (_proven[member][jobId]) {
            revert EquivocationEvidenceAlreadyProven(member, jobId);
        }
        _proven[member][jobId] = true;
        // The evidence reference: both digests, in a fixed order, so either submission order names it alike.
        bytes32 evidence = digest < otherDigest
            ? keccak256(abi.encode(digest, otherDigest))
            : keccak256(abi.encode(otherDigest, digest));
        uint256 share = reporterShareBps;
        slashed = registry.slashByEvidence(member, msg.sender, share, evidence);
        emit EquivocationProven(member, jobId, kind, msg.sender, slashed, (slashed * share) / 10_000);
    }

    function _signedBy(bytes32 digest, bytes calldata signature, address claimed) private pure returns (address) {
        address signer = ECDSA.recoverCalldata(digest, signature);
        if (signer != claimed) {
            revert EquivocationEvidenceSignerMismatch(claimed, signer);
        }
        return signer;
    }

    function _engineResultHash(EngineResult calldata r) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                ENGINE_RESULT_TYPEHASH,
                keccak256(bytes(r.engine)),
                keccak256(bytes(r.engineVersion)),
                keccak256(bytes(r.engineUpdate)),
                keccak256(bytes(r.category)),
                keccak256(bytes(r.result)),
                keccak256(bytes(r.method))
            )
        );
    }

    function _digest(bytes32 structHash) private view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(domainSeparator(), structHash);
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("VirusMap"), keccak256("2"), block.chainid, address(registry))
        );
    }

    function _setReporterShare(uint256 shareBps) private {
        if (shareBps > 10_000) {
            revert EquivocationEvidenceInvalidShare(shareBps);
        }
        reporterShareBps = shareBps;
        emit ReporterShareSet(shareBps);
    }
}
