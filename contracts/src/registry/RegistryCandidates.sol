// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RegistryBonds} from "./RegistryBonds.sol";

/**
 * @title Candidates of the supernode registry
 * @notice Candidates register their libp2p peer id and X25519 key-wrapping key (and pay the candidate
 * bond); governance admits members and declares engines only for a registered candidate.
 */
abstract contract RegistryCandidates is RegistryBonds {
    /// @notice Longest accepted libp2p peer id string (base58 / CID text forms are far shorter).
    uint256 public constant MAX_PEER_ID_LENGTH = 128;
    /// @notice Longest accepted metadata URI.
    uint256 public constant MAX_METADATA_URI_LENGTH = 512;

    struct Candidate {
        string peerId;
        bytes32 x25519Key;
        string metadataURI;
        uint64 registeredAt;
    }

    mapping(address operator => Candidate) private _candidates;

    /// @dev The peer id is empty or longer than MAX_PEER_ID_LENGTH bytes.
    error SupernodeRegistryInvalidPeerId(uint256 length);
    /// @dev The X25519 public key is zero.
    error SupernodeRegistryInvalidX25519Key();
    /// @dev The metadata URI is longer than MAX_METADATA_URI_LENGTH bytes.
    error SupernodeRegistryInvalidMetadataURI(uint256 length);
    /// @dev The operator has not registered as a candidate.
    error SupernodeRegistryNotCandidate(address operator);

    /**
     * @notice Registers the caller as a candidate, or updates its record (key rotation).
     * @param peerId libp2p peer id of the supernode, as text.
     * @param x25519Key X25519 public key members wrap sample keys to.
     * @param metadataURI Optional pointer to operator metadata (may be empty).
     */
    function register(string calldata peerId, bytes32 x25519Key, string calldata metadataURI) external {
        uint256 peerIdLength = bytes(peerId).length;
        if (peerIdLength == 0 || peerIdLength > MAX_PEER_ID_LENGTH) {
            revert SupernodeRegistryInvalidPeerId(peerIdLength);
        }
        if (x25519Key == bytes32(0)) {
            revert SupernodeRegistryInvalidX25519Key();
        }
        uint256 uriLength = bytes(metadataURI).length;
        if (uriLength > MAX_METADATA_URI_LENGTH) {
            revert SupernodeRegistryInvalidMetadataURI(uriLength);
        }
        _candidates[msg.sender] = Candidate(peerId, x25519Key, metadataURI, uint64(block.number));
        _payBond();
        emit CandidateRegistered(msg.sender, peerId, x25519Key, metadataURI);
    }

    /// @notice The candidate record of `operator`; registeredAt is 0 if it never registered.
    function candidate(address operator)
        external
        view
        returns (string memory peerId, bytes32 x25519Key, string memory metadataURI, uint64 registeredAt)
    {
        Candidate storage c = _candidates[operator];
        return (c.peerId, c.x25519Key, c.metadataURI, c.registeredAt);
    }

    /// @dev Reverts unless `operator` is a registered candidate.
    function _requireCandidate(address operator) internal view {
        if (_candidates[operator].registeredAt == 0) {
            revert SupernodeRegistryNotCandidate(operator);
        }
    }

    function _forgetCandidate(address operator) internal override {
        delete _candidates[operator];
    }
}
